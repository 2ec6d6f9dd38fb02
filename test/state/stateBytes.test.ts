import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { anyCommand, anyEvent, validHistory } from 'apss-domain/testing';
import { decide, fold, initialState, type DomainEvent, type PartnerState } from 'apss-domain';
import { IdSet } from '../../src/lib/idSet.js';
import {
  fieldValues,
  recordKeys,
  sectionToWrite,
  stateOfParts,
  type LayerSource,
  type RecordKey,
} from '../../src/state/stateBytes.js';
import { scriptedState, snapshotText } from './fixtures.js';
import { purchased, tenantCreated, usageRecorded } from '../builders.js';

const partners = { partnerIds: ['p1'] };
const anyHistory = fc.oneof(
  validHistory({ partnerId: 'p1', maxCommands: 40 }),
  fc.array(anyEvent(partners), { maxLength: 40 }),
);

/** What reading a part of a state found, thrown by the read. */
class Corrupt extends Error {}
const corrupt = (problem: string): never => {
  throw new Corrupt(problem);
};

/** A layer as a keeper holds it: its bytes, and how long its index is. */
type Layer = { readonly bytes: Buffer; readonly indexLength: number; readonly count: number };
/** A state as a keeper (a resume file) holds it: its fields, its sections' layers, its usage ids. */
type Kept = {
  readonly fields: ReturnType<typeof fieldValues>;
  readonly sections: Record<RecordKey, readonly Layer[] | null>;
  /** How many records each section holds, as a keeper says (the resume file's root). */
  readonly counts: Record<RecordKey, number>;
  readonly usage: readonly string[];
};

/** The keeper's side: each layer read from it, and the layer it was read from. */
const layersRead = new WeakMap<LayerSource, Layer>();

function sourceOf(layer: Layer): LayerSource {
  const source: LayerSource = {
    count: layer.count,
    index: () => layer.bytes.subarray(0, layer.indexLength),
    rows: (start, end) => layer.bytes.subarray(layer.indexLength + start, layer.indexLength + end),
  };
  layersRead.set(source, layer);
  return source;
}

/** A state written as a keeper keeps it: the layers read from it kept, one added where the state changed. */
function keep(state: PartnerState): Kept {
  const sections = {} as Record<RecordKey, readonly Layer[] | null>;
  for (const key of recordKeys) {
    const section = sectionToWrite(key, state[key] as ReadonlyMap<string, never>, (layer) =>
      layersRead.has(layer),
    );
    if (section === null) sections[key] = null;
    else {
      const added =
        section.added === undefined ? [] : [{ bytes: Buffer.concat(section.added.parts), ...section.added }];
      sections[key] = [...section.kept.map((layer) => layersRead.get(layer) as Layer), ...added];
    }
  }
  const counts = Object.fromEntries(recordKeys.map((key) => [key, state[key].size])) as Record<
    RecordKey,
    number
  >;
  return { fields: fieldValues(state), sections, counts, usage: [...state.usage] };
}

const read = (kept: Kept): PartnerState => {
  const sections = {} as Record<RecordKey, { count: number; layers: LayerSource[] } | null>;
  for (const key of recordKeys) {
    const layers = kept.sections[key];
    sections[key] =
      layers === null
        ? null
        : {
            count: kept.counts[key],
            layers: layers.map(sourceOf),
          };
  }
  const state = stateOfParts({ fields: kept.fields, sections, usage: new IdSet(kept.usage) }, corrupt);
  if (E.isLeft(state)) throw new Error(state.left);
  return state.right;
};

/** The ids a layer's index holds. */
const idsOf = (layer: Layer): string[] => {
  const end = 8 + layer.bytes.readUInt32LE(4);
  return JSON.parse(layer.bytes.toString('utf8', 8, end)) as string[];
};

const layerCount = (kept: Kept) => recordKeys.map((key) => kept.sections[key]?.length ?? 0);

describe('a partner state in parts read where they are kept (stateOfParts, sectionToWrite)', () => {
  it('given a partner with 200,000 subscriptions, when its state is kept and read back, then it is the same state (no section is spread into one call, whose arguments would overflow the stack)', () => {
    const events: DomainEvent[] = [tenantCreated('t1')];
    for (let n = 0; n < 200_000; n++) events.push(purchased(`s${n}`, 't1'));
    const state = fold(events);
    const back = read(keep(state));
    expect(back.subscriptions.size).toBe(200_000);
    expect(back.subscriptions.get('s199999')).toEqual(state.subscriptions.get('s199999'));
  });

  it('property: the state read back is the one kept: the same snapshot, the same decisions; kept again unchanged, it adds no layer', () => {
    fc.assert(
      fc.property(anyHistory, anyCommand(partners), (events, command) => {
        const state = fold(events);
        const kept = keep(state);
        const restored = read(kept);
        expect(snapshotText(restored)).toBe(snapshotText(state));
        expect(decide(command, restored)).toEqual(decide(command, state));
        const again = keep(read(kept));
        expect(layerCount(again)).toEqual(layerCount(kept));
      }),
      { numRuns: 150 },
    );
  });

  it('property: kept, read, folded onto and kept again round after round, the state is the one folded from the start, each section in at most 8 layers, and the layers read are never written to', () => {
    fc.assert(
      fc.property(
        anyHistory,
        fc.array(fc.array(anyEvent(partners), { maxLength: 12 }), { maxLength: 12 }),
        (events, rounds) => {
          let kept = keep(fold(events));
          let folded = fold(events);
          for (const next of rounds) {
            const before = recordKeys
              .flatMap((key) => kept.sections[key] ?? [])
              .map((l) => Buffer.from(l.bytes));
            const restored = fold(next, read(kept));
            folded = fold(next, folded);
            expect(snapshotText(restored)).toBe(snapshotText(folded));
            const after = recordKeys.flatMap((key) => kept.sections[key] ?? []);
            expect(after.every((layer, i) => layer.bytes.equals(before[i] as Buffer))).toBe(true);
            kept = keep(restored);
            expect(Math.max(0, ...layerCount(kept))).toBeLessThanOrEqual(8);
          }
          expect(snapshotText(read(kept))).toBe(snapshotText(folded));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('given a change to one record of many, then one layer of that record alone is added; given changes to more than half, then the section is written again as one layer', () => {
    const events: DomainEvent[] = [tenantCreated('t1')];
    for (let n = 0; n < 10; n++) events.push(purchased(`s${n}`, 't1'));
    const kept = keep(fold(events));
    const one = keep(fold([usageRecorded({ subscriptionId: 's3', usageDate: '2018-06-04' })], read(kept)));
    const layers = one.sections.subscriptions as readonly Layer[];
    expect(layers).toHaveLength(2);
    expect(layers[0]).toBe(kept.sections.subscriptions?.[0]);
    expect(idsOf(layers[1] as Layer)).toEqual(['s3']);
    const many = fold(
      [0, 1, 2, 3, 4, 5].map((n) =>
        usageRecorded({ subscriptionId: `s${n}`, usageDate: '2018-06-04', usageId: `u${n}` }),
      ),
      read(kept),
    );
    const whole = keep(many).sections.subscriptions as readonly Layer[];
    expect(whole).toHaveLength(1);
    expect(idsOf(whole[0] as Layer)).toEqual([...many.subscriptions.keys()]);
  });

  it('a state read back is deeply frozen, and the state with no events reads back as it', () => {
    const restored = read(keep(scriptedState));
    expect(Object.isFrozen(restored)).toBe(true);
    for (const record of restored.subscriptions.values()) expect(Object.isFrozen(record)).toBe(true);
    expect(() => (restored.usage as IdSet).add('x')).toThrow('frozen');
    expect(read(keep(initialState))).toEqual(initialState);
  });

  /** The scripted state kept with its subscriptions' one layer changed by `change`. */
  const damaged = (change: (bytes: Buffer, layer: Layer) => void): PartnerState => {
    const kept = keep(scriptedState);
    const layer = (kept.sections.subscriptions as readonly Layer[])[0] as Layer;
    const bytes = Buffer.from(layer.bytes);
    change(bytes, layer);
    return read({ ...kept, sections: { ...kept.sections, subscriptions: [{ ...layer, bytes }] } });
  };
  const rowsAt = (layer: Layer) => layer.indexLength;
  const endOf = (bytes: Buffer, layer: Layer, place: number) => {
    const endsAt = 8 + bytes.readUInt32LE(4);
    return bytes.readUInt32LE(endsAt + 4 * place);
  };
  /** A row replaced by text of the same length, its CRC-32 taken anew: what a writer gone wrong would leave. */
  const rewritten = (place: number, text: (row: string) => string) => (bytes: Buffer, layer: Layer) => {
    const start = place === 0 ? 0 : endOf(bytes, layer, place - 1);
    const end = endOf(bytes, layer, place);
    const row = bytes.toString('latin1', rowsAt(layer) + start, rowsAt(layer) + end);
    bytes.write(text(row), rowsAt(layer) + start, 'latin1');
    const crcsAt = 8 + bytes.readUInt32LE(4) + 4 * layer.count;
    bytes.writeUInt32LE(
      crc32(bytes.subarray(rowsAt(layer) + start, rowsAt(layer) + end)),
      crcsAt + 4 * place,
    );
  };

  it('given a row whose bytes are not those its CRC-32 was taken of, then reading that record throws the reader’s error, and the others read', () => {
    const state = damaged((bytes, layer) => {
      const at = rowsAt(layer) + endOf(bytes, layer, 0) + 2;
      bytes[at] = (bytes[at] as number) ^ 1;
    });
    expect(state.subscriptions.get('s1')).toMatchObject({ subscriptionId: 's1', status: 'active' });
    expect(() => state.subscriptions.get('s2')).toThrow(
      /^state\.subscriptions has a row \(1\) that does not match its checksum/,
    );
  });

  it('given a section that does not decode, then it is read only when its map is, and a state that never reads it keeps its layers as they were', () => {
    const state = damaged(rewritten(1, (row) => `}${row.slice(1)}`));
    expect(state.subscriptions.size).toBe(2);
    expect(state.subscriptions.get('s1')).toMatchObject({ subscriptionId: 's1', status: 'active' });
    expect(() => state.subscriptions.get('s2')).toThrow(
      /^state\.subscriptions has a row \(1\) that is not JSON/,
    );
    expect(() => [...state.subscriptions.values()]).toThrow(Corrupt);
    // Its ids: no record of the map reads; a state that does not read them keeps the layer.
    const unread = damaged((bytes) => bytes.write('{', 8, 'latin1'));
    expect(() => unread.subscriptions.has('s1')).toThrow(
      /^state\.subscriptions layer 1 has ids that are not JSON/,
    );
    expect(unread.usage.size).toBe(2);
    expect(keep(unread).sections.subscriptions).toHaveLength(1);
  });

  it('given a row that decodes to another record than its id says, or a field of the wrong kind, then the read names it', () => {
    const otherId = damaged(rewritten(0, (row) => row.replace('"s1"', '"s3"')));
    expect(() => otherId.subscriptions.get('s1')).toThrow(
      'state.subscriptions has a row (0) of another record than its id s1',
    );
    const paused = damaged(rewritten(0, (row) => row.replace('"active"', '"paused"')));
    expect(() => paused.subscriptions.get('s1')).toThrow(/^state\.subscriptions\.0\.status /);
  });

  it('property: given a layer with any one byte changed, reading the state and all it holds, folding events onto it and keeping it again answers or throws the reader’s error, never another, and ends', () => {
    const kept = keep(scriptedState);
    const layer = (kept.sections.subscriptions as readonly Layer[])[0] as Layer;
    fc.assert(
      fc.property(
        fc.nat(layer.bytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.array(anyEvent(partners), { maxLength: 10 }),
        (at, flip, next) => {
          const bytes = Buffer.from(layer.bytes);
          bytes[at] = (bytes[at] as number) ^ flip;
          try {
            const state = read({
              ...kept,
              sections: { ...kept.sections, subscriptions: [{ ...layer, bytes }] },
            });
            snapshotText(state);
            keep(fold(next, state));
          } catch (error) {
            if (!(error instanceof Corrupt)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
