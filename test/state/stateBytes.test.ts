import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyCommand, anyEvent, validHistory } from 'apss-domain/testing';
import { decide, fold, initialState, type DomainEvent, type PartnerState } from 'apss-domain';
import type { IdSet } from '../../src/lib/idSet.js';
import { stateBytes, stateOfBytes } from '../../src/state/stateBytes.js';
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

/** A state's bytes in one buffer, as a file holds them (at a multiple of 4 bytes, as a file's entries are). */
const bytesOf = (state: PartnerState): Buffer => {
  const { parts, length } = stateBytes(state);
  const bytes = Buffer.alloc(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
};
const fromBytes = (bytes: Buffer): PartnerState => {
  const state = stateOfBytes(bytes, corrupt);
  if (E.isLeft(state)) throw new Error(state.left);
  return state.right;
};

/** Where each section of a state's bytes starts and ends (see src/state/stateBytes.ts). */
function sectionsOf(bytes: Buffer) {
  const sections: Record<string, { start: number; end: number }> = {};
  let at = 0;
  for (const name of ['fields', 'subscriptions', 'reservations', 'deployments', 'services']) {
    const end = at + 4 + bytes.readUInt32LE(at);
    sections[name] = { start: at + 4, end };
    at = end + ((4 - (end % 4)) % 4);
  }
  return sections;
}

describe('a partner state as bytes read in place (stateBytes, stateOfBytes)', () => {
  it('given a partner with 200,000 subscriptions, when its state is written and read back, then it is the same state (no section is spread into one call, whose arguments would overflow the stack)', () => {
    const events: DomainEvent[] = [tenantCreated('t1')];
    for (let n = 0; n < 200_000; n++) events.push(purchased(`s${n}`, 't1'));
    const state = fold(events);
    const back = fromBytes(bytesOf(state));
    expect(back.subscriptions.size).toBe(200_000);
    expect(back.subscriptions.get('s199999')).toEqual(state.subscriptions.get('s199999'));
    expect(bytesOf(back).equals(bytesOf(state))).toBe(true);
  });

  it('property: the state read back is the one written: the same snapshot, the same decisions, and it writes the same bytes', () => {
    fc.assert(
      fc.property(anyHistory, anyCommand(partners), (events, command) => {
        const state = fold(events);
        const bytes = bytesOf(state);
        expect(bytesOf(fromBytes(bytes)).equals(bytes)).toBe(true);
        const restored = fromBytes(bytes);
        expect(snapshotText(restored)).toBe(snapshotText(state));
        expect(decide(command, restored)).toEqual(decide(command, state));
      }),
      { numRuns: 150 },
    );
  });

  it('property: after any next events the state read back is the state folded from the start, and the bytes it was read from are not written to', () => {
    fc.assert(
      fc.property(anyHistory, fc.array(anyEvent(partners), { maxLength: 20 }), (events, next) => {
        const bytes = bytesOf(fold(events));
        const kept = Buffer.from(bytes);
        const restored = fold(next, fromBytes(bytes));
        expect(snapshotText(restored)).toBe(snapshotText(fold(next, fold(events))));
        expect(bytes.equals(kept)).toBe(true);
        expect(snapshotText(fromBytes(bytesOf(restored)))).toBe(snapshotText(restored));
      }),
      { numRuns: 150 },
    );
  });

  it('a state read back is deeply frozen, and the state with no events reads back as it', () => {
    const restored = fromBytes(bytesOf(scriptedState));
    expect(Object.isFrozen(restored)).toBe(true);
    for (const record of restored.subscriptions.values()) expect(Object.isFrozen(record)).toBe(true);
    expect(() => (restored.usage as IdSet).add('x')).toThrow('frozen');
    expect(fromBytes(bytesOf(initialState))).toEqual(initialState);
  });

  it('given a section that does not decode, then it is read only when its map is, and a state that never reads it writes its bytes back as they were', () => {
    const bytes = bytesOf(scriptedState);
    const { subscriptions } = sectionsOf(bytes);
    const idsAt = (subscriptions as { start: number }).start + 8;
    // The second record's row: the first still reads.
    const broken = Buffer.from(bytes);
    const endsAt = idsAt + broken.readUInt32LE(idsAt - 4);
    broken.write('}', endsAt + 8 + broken.readUInt32LE(endsAt), 'latin1');
    const state = fromBytes(broken);
    expect(state.subscriptions.size).toBe(2);
    expect(state.subscriptions.get('s1')).toMatchObject({ subscriptionId: 's1', status: 'active' });
    expect(() => state.subscriptions.get('s2')).toThrow(
      /^state\.subscriptions has a row \(1\) that is not JSON/,
    );
    expect(() => [...state.subscriptions.values()]).toThrow(Corrupt);
    // Its ids: no record of the map reads.
    const noIds = Buffer.from(bytes);
    noIds.write('{', idsAt, 'latin1');
    const unread = fromBytes(noIds);
    expect(() => unread.subscriptions.has('s1')).toThrow(/^state\.subscriptions has ids that are not JSON/);
    expect(unread.usage.size).toBe(2);
    expect(bytesOf(unread).equals(noIds)).toBe(true);
    const later = fold([usageRecorded({ subscriptionId: 's1', usageDate: '2018-06-04' })], fromBytes(noIds));
    expect(() => bytesOf(later)).not.toThrow();
  });

  it('given a row that decodes to another record than its id says, or a field of the wrong kind, then the read names it', () => {
    const bytes = bytesOf(scriptedState);
    const { subscriptions } = sectionsOf(bytes);
    const text = bytes.toString('latin1');
    const at = (s: string) => text.indexOf(s, (subscriptions as { start: number }).start);
    const otherId = Buffer.from(bytes);
    otherId.write('["s3"', text.indexOf('["s1"', at('["s1"') + 1), 'latin1');
    expect(() => fromBytes(otherId).subscriptions.get('s1')).toThrow(
      'state.subscriptions has a row (0) of another record than its id s1',
    );
    const paused = Buffer.from(bytes);
    paused.write('"paused"', at('"active"'), 'latin1');
    expect(() => fromBytes(paused).subscriptions.get('s1')).toThrow(/^state\.subscriptions\.0\.status /);
  });

  it('property: given the bytes of a state with any one byte changed, reading it and all it holds, folding events onto it and writing it again answers or throws the reader’s error, never another, and ends', () => {
    const bytes = bytesOf(scriptedState);
    fc.assert(
      fc.property(
        fc.nat(bytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.array(anyEvent(partners), { maxLength: 10 }),
        (at, flip, next) => {
          const damaged = Buffer.from(bytes);
          damaged[at] = (damaged[at] as number) ^ flip;
          const state = stateOfBytes(damaged, corrupt);
          if (E.isLeft(state)) return;
          try {
            snapshotText(state.right);
            for (const id of ['u1', 'u2', 'x']) state.right.usage.has(id);
            bytesOf(fold(next, state.right));
          } catch (error) {
            if (!(error instanceof Corrupt)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
