import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyCommand, anyEvent, invariants, validHistory } from 'apss-domain/testing';
import { decide, fold, initialState, rules2023, type DomainEvent, type PartnerState } from 'apss-domain';
import { IdSet } from '../../src/lib/idSet.js';
import { isStorableText } from '../../src/lib/ids.js';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT } from '../../src/state/snapshot.js';
import { scriptedState, snapshotText } from './fixtures.js';

const partners = { partnerIds: ['p1'] };
/** A partner's events: ones the rules allow, or any events at all (an audited log holds refused ones too). */
const anyHistory = fc.oneof(
  validHistory({ partnerId: 'p1', maxCommands: 40 }),
  fc.array(anyEvent(partners), { maxLength: 40 }),
);

/** What a snapshot goes through on its way to a store and back. */
const roundTrip = (state: PartnerState): PartnerState => {
  const decoded = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(state))));
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return decoded.right;
};

describe('snapshots of a partner state', () => {
  it('property: decode(encode(fold(events))) decides every next command as fold(events) does, under either rule set', () => {
    fc.assert(
      fc.property(anyHistory, fc.array(anyCommand(partners), { maxLength: 10 }), (events, commands) => {
        const state = fold(events);
        const restored = roundTrip(state);
        for (const command of commands) {
          expect(decide(command, restored)).toEqual(decide(command, state));
          expect(decide(command, restored, rules2023)).toEqual(decide(command, state, rules2023));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('property: after any next events the restored state is the same state (same snapshot, same invariants, same decisions)', () => {
    fc.assert(
      fc.property(
        anyHistory,
        fc.array(anyEvent(partners), { maxLength: 15 }),
        anyCommand(partners),
        (events, next, command) => {
          const state = fold(next, fold(events));
          const restored = fold(next, roundTrip(fold(events)));
          expect(snapshotText(restored)).toBe(snapshotText(state));
          expect(restored.version).toBe(state.version);
          for (const invariant of invariants)
            expect([invariant.id, invariant.holds(restored)]).toEqual([invariant.id, invariant.holds(state)]);
          expect(decide(command, restored)).toEqual(decide(command, state));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: encode is deterministic: the same events give the same text, and a restored state encodes to it again', () => {
    fc.assert(
      fc.property(anyHistory, (events: readonly DomainEvent[]) => {
        const once = snapshotText(fold(events));
        expect(snapshotText(fold(events))).toBe(once);
        expect(snapshotText(roundTrip(fold(events)))).toBe(once);
      }),
      { numRuns: 150 },
    );
  });

  it('a restored state is deeply frozen, as the states fold makes are', () => {
    const restored = roundTrip(scriptedState);
    expect(Object.isFrozen(restored)).toBe(true);
    expect(() => (restored.subscriptions as Map<string, unknown>).set('x', {})).toThrow('frozen');
    for (const record of restored.subscriptions.values()) expect(Object.isFrozen(record)).toBe(true);
    expect(() => (restored.usage as IdSet).add('x')).toThrow('frozen');
    expect(roundTrip(initialState)).toEqual(initialState);
  });

  it('given a snapshot of a newer or unknown format, then it is refused as a format, never read', () => {
    const { state } = encodeSnapshot(scriptedState);
    for (const version of [SNAPSHOT_FORMAT + 1, 0, '1', undefined]) {
      const decoded = decodeSnapshot({ version, state });
      expect(decoded).toEqual(E.left({ kind: 'format', message: expect.stringContaining('does not read') }));
    }
  });

  it('given a field that is not what the state holds, then the problem names the field', () => {
    const { state } = encodeSnapshot(scriptedState);
    const [first] = state.subscriptions;
    const cases: [unknown, string][] = [
      [{ ...state, version: -1 }, 'state.version'],
      [{ ...state, subscriptions: [{ ...first, status: 'paused' }] }, 'state.subscriptions.0.status'],
      [{ ...state, subscriptions: [first, first] }, 'state.subscriptions.1'],
      [{ ...state, lastEventAt: '2018-06-01T00:00:00+01:00' }, 'state.lastEventAt'],
      [{ ...state, usage: 'not base64!' }, 'state.usage'],
      [{ ...state, usage: Buffer.from([1, 0x61]).toString('base64') }, 'state.usage'],
      [{ ...state, partnerId: null }, 'state.partnerId'],
      [{ ...state, unattributedUsage: 5 }, 'state.unattributedUsage'],
      [{ ...state, extra: 1 }, 'state.extra'],
    ];
    for (const [bad, path] of cases) {
      const decoded = decodeSnapshot({ version: SNAPSHOT_FORMAT, state: bad });
      expect(E.isLeft(decoded) && decoded.left.kind === 'malformed' ? decoded.left.details : []).toContain(
        path,
      );
    }
  });

  it('property: decodeSnapshot never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(E.isLeft(decodeSnapshot(value))).toBe(true);
      }),
    );
  });
});

describe('IdSet.packed and IdSet.unpack', () => {
  const storable = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .filter((id) => isStorableText(id, 128));

  it('property: unpack(packed(set)) holds the same ids in the same order, and packs to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(storable, { maxLength: 300 }), (ids) => {
        const set = new IdSet(ids);
        const back = IdSet.unpack(set.packed());
        if (typeof back === 'string') throw new Error(back);
        expect([...back]).toEqual([...set]);
        expect(Buffer.from(back.packed())).toEqual(Buffer.from(set.packed()));
        for (const id of ids) expect(back.has(id)).toBe(true);
      }),
    );
  });

  it('packs only the ids a copy sees, not those a later copy added to the shared store', () => {
    const first = new IdSet(['a', 'b']);
    const later = first.copy();
    later.add('c');
    expect(IdSet.unpack(first.packed())).toEqual(first);
    expect([...(IdSet.unpack(first.packed()) as IdSet)]).toEqual(['a', 'b']);
  });

  it('refuses an id given twice, a wide id of narrow units, control characters and bytes cut short', () => {
    const twice = Buffer.concat([
      Buffer.from(new IdSet(['ab']).packed()),
      Buffer.from(new IdSet(['ab']).packed()),
    ]);
    expect(IdSet.unpack(twice)).toBe('id 2 is given twice');
    expect(IdSet.unpack(Uint8Array.from([0x80, 0x61, 0x00]))).toMatch('kept as UTF-16');
    expect(IdSet.unpack(Uint8Array.from([0x00, 0x07]))).toMatch('control character');
    expect(IdSet.unpack(Uint8Array.from([0x02, 0x61]))).toMatch('runs past the end');
    expect(IdSet.unpack(Uint8Array.from([0x80, 0x00, 0xd8]))).toMatch('surrogate');
  });
});
