import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, fold, initialState, type DomainEvent, type PartnerState } from 'apss-domain';
import { anyEvent, assertProperty, validHistory } from 'apss-domain/testing';

// Valid histories, and any events at all: fold and evolve take whatever happened.
const histories: fc.Arbitrary<readonly DomainEvent[]> = fc.oneof(
  validHistory(),
  fc.array(anyEvent({ reuseIds: 2 }), { maxLength: 20 }),
);

const stepByStep = (events: readonly DomainEvent[]): PartnerState => {
  let state = initialState;
  for (const event of events) state = evolve(state, event);
  return state;
};

describe('fold is deterministic and equals evolve step by step', () => {
  it('fold equals evolve applied event by event', () => {
    assertProperty(
      fc.property(histories, (events) => {
        expect(fold(events)).toEqual(stepByStep(events));
      }),
      { numRuns: 200 },
    );
  });

  it('folding the same events twice gives equal states and leaves the events as they were', () => {
    assertProperty(
      fc.property(histories, (events) => {
        const before = structuredClone(events);
        expect(fold(events)).toEqual(fold(structuredClone(events)));
        expect(events).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('folding a history in two parts equals folding it at once', () => {
    assertProperty(
      fc.property(
        histories.chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length }))),
        ([events, cut]: [readonly DomainEvent[], number]) => {
          expect(fold(events.slice(cut), fold(events.slice(0, cut)))).toEqual(fold(events));
        },
      ),
      { numRuns: 150 },
    );
  });
});
