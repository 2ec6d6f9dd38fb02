import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, initialState, rules2023, type DomainEvent, type RuleSet } from 'apss-domain';
import {
  assertProperty,
  brokenInvariants,
  invariants,
  invariantsFor,
  validHistory,
  type Invariant,
} from 'apss-domain/testing';

/** Every state a history passes through, from the partner's first event to its last. */
const statesOf = (history: readonly DomainEvent[]) => {
  let state = initialState;
  return history.map((event) => (state = evolve(state, event)));
};

const holdEverywhere = (rules: RuleSet | undefined, list: readonly Invariant[]) =>
  fc.property(validHistory({ rules }), (history) => {
    statesOf(history).forEach((state, index) => {
      expect(brokenInvariants(state, list), `after event ${index + 1}`).toEqual([]);
    });
  });

describe('the invariants hold on every reachable state', () => {
  it('under the default rules, after every event of every valid history', () => {
    assertProperty(holdEverywhere(undefined, invariants), { numRuns: 250 });
  });

  it('under the 2023 rules, after every event of every valid history', () => {
    assertProperty(holdEverywhere(rules2023, invariantsFor(rules2023)), { numRuns: 100 });
  });
});
