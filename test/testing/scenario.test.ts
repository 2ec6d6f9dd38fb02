import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  decide,
  eventTypes,
  fold,
  initialState,
  RejectionCode,
  rules2023,
  type Command,
  type DomainEvent,
} from 'apss-domain';
import { assertProperty, commandSequence, validHistory, type DecideFunction } from 'apss-domain/testing';

const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns = 300): T[] =>
  fc.sample(arbitrary, { numRuns, seed: 42 });

/** The rejection codes a sequence meets when decided in turn. */
const codesMet = (commands: readonly Command[]): string[] => {
  let state = initialState;
  const codes: string[] = [];
  for (const command of commands) {
    const decision = decide(command, state);
    if (E.isLeft(decision)) codes.push(decision.left.code);
    else state = fold(decision.right, state);
  }
  return codes;
};

describe('command sequences and valid histories', () => {
  it('command sequences reach every rejection a well-formed command can meet', () => {
    const met = new Set(sample(commandSequence(), 500).flatMap(codesMet));
    // A well-formed command is never INVALID_COMMAND.
    const expected = RejectionCode.values.filter((code) => code !== 'INVALID_COMMAND');
    expect([...met].sort()).toEqual(expected.sort());
  });

  it('valid histories hold every event type, and most commands of a sequence are accepted', () => {
    const histories = sample(validHistory(), 300);
    expect(new Set(histories.flat().map((e) => e.type))).toEqual(new Set(eventTypes));
    const lengths = histories.map((h) => h.length);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeGreaterThan(4);
  });

  it('a history is one partner’s, and decide accepts each of its commands in turn', () => {
    assertProperty(
      fc.property(validHistory({ partnerId: 'acme' }), (history) => {
        for (const event of history) expect(event.data.partnerId).toBe('acme');
      }),
      { numRuns: 100 },
    );
  });

  it('keeps to maxCommands: at most one more event than commands, none for 0', () => {
    assertProperty(
      fc.property(validHistory({ maxCommands: 3 }), validHistory({ maxCommands: 0 }), (three, none) => {
        expect(three.length).toBeLessThanOrEqual(4);
        expect(none).toEqual([]);
      }),
      { numRuns: 100 },
    );
    assertProperty(
      fc.property(commandSequence({ maxCommands: 5 }), (commands) => {
        expect(commands.length).toBeLessThanOrEqual(5);
      }),
      { numRuns: 100 },
    );
  });

  it('decides by the rule set it is given: no global admin acts under the 2023 rules', () => {
    assertProperty(
      fc.property(validHistory({ rules: rules2023 }), (history) => {
        for (const event of history) expect(event.metadata.actor.role).not.toBe('GlobalAdmin');
      }),
      { numRuns: 100 },
    );
  });

  it('decides with the decider it is given, and keeps only what that decider accepts', () => {
    const refusesAll: DecideFunction = () => E.left({ code: 'ROLE_NOT_PERMITTED', message: 'nobody may' });
    const noUsage: DecideFunction = (command, state, rules) =>
      command.type === 'RecordUsage'
        ? E.left({ code: 'ROLE_NOT_PERMITTED', message: 'no usage here' })
        : decide(command, state, rules);
    assertProperty(
      fc.property(validHistory({ decide: refusesAll }), validHistory({ decide: noUsage }), (none, some) => {
        expect(none).toEqual([]);
        expect(some.filter((e: DomainEvent) => e.type === 'UsageRecorded')).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('starts within days of the instant it is given', () => {
    const firsts = sample(validHistory({ around: '2030-06-01T00:00:00Z' }), 100).flatMap((h) =>
      h.slice(0, 1),
    );
    const days = firsts.map(
      (event) => (Date.parse(event.metadata.at) - Date.parse('2030-06-01T00:00:00Z')) / 86_400_000,
    );
    for (const day of days) expect(day).toBeGreaterThanOrEqual(-4);
    for (const day of days) expect(day).toBeLessThanOrEqual(4 + 45);
  });

  it('refuses options that are not options, saying which and why', () => {
    expect(() => validHistory({ maxCommands: 2.5 })).toThrow(/validHistory: invalid options: maxCommands/);
    expect(() => commandSequence({ rules: { name: 'x' } as never })).toThrow(
      /commandSequence: invalid options: rules/,
    );
    expect(() => validHistory({ decide: 'decide' as never })).toThrow(/decide must be a function/);
  });
});
