import fc from 'fast-check';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, fold, ruleTable } from 'apss-domain';
import { anyEvent, assertProperty, validHistory } from 'apss-domain/testing';

const compiled = compileRules(defaultRules);

describe('each rule names the kinds of event it judges', () => {
  it('a rule finds nothing wrong with an event of a kind it does not name, in any state', () => {
    if (compiled._tag === 'Left') throw new Error(compiled.left);
    const rules = compiled.right;
    assertProperty(
      fc.property(validHistory({ maxCommands: 12 }), anyEvent(), (history, event) => {
        const state = fold(history);
        for (const rule of ruleTable)
          if (rule.events !== 'every event' && !rule.events.includes(event.type))
            expect(O.isNone(rule.judge(state, event, rules)), `${rule.id} judged ${event.type}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
