import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decide, fold, handle, type Command, type DomainEvent, type PartnerState } from 'apss-domain';
import { anyCommand, assertProperty, commandSequence, validHistory } from 'apss-domain/testing';

const records = (state: PartnerState) => [
  state.subscriptions,
  state.reservations,
  state.deployments,
  state.services,
  state.usage,
];

const isDeeplyFrozen = (state: PartnerState): boolean =>
  Object.isFrozen(state) &&
  records(state).every(
    (map) => Object.isFrozen(map) && [...map.values()].every((record) => Object.isFrozen(record)),
  );

// A history and a command: one of any kind (mostly refused), or the next of a sequence (often accepted).
const historyAndCommand = fc
  .oneof(
    fc.tuple(validHistory(), anyCommand({ partnerIds: ['p1', 'p2'] })),
    fc.tuple(
      validHistory(),
      commandSequence({ maxCommands: 8 }).map((commands) => commands.at(-1)),
    ),
  )
  .filter((pair): pair is [readonly DomainEvent[], Command] => pair[1] !== undefined);

describe('rejection leaves the state unchanged', () => {
  it('a refused command changes neither the state nor the history, and handle refuses it alike', () => {
    assertProperty(
      fc.property(historyAndCommand, ([history, command]) => {
        const state = fold(history);
        const before = structuredClone(state);
        const historyBefore = structuredClone(history);
        const decision = decide(command, state);
        fc.pre(E.isLeft(decision));
        expect(state).toEqual(before);
        expect(history).toEqual(historyBefore);
        expect(fold(history)).toEqual(state);
        expect(handle(history, command)).toEqual(decision);
      }),
      { numRuns: 200 },
    );
  });

  it('states are deeply frozen, whatever is decided on them', () => {
    assertProperty(
      fc.property(historyAndCommand, ([history, command]) => {
        const state = fold(history);
        decide(command, state);
        expect(isDeeplyFrozen(state)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
