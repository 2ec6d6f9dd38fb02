import fc from 'fast-check';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, fold, ruleTable, type EventType } from 'apss-domain';
import { anyEvent, assertProperty, validHistory } from 'apss-domain/testing';
import { judgeOfNamed, rule } from '../../src/policies/rules.js';

const compiled = compileRules(defaultRules);
if (compiled._tag === 'Left') throw new Error(compiled.left);
const rules = compiled.right;

describe('rule(): a judge receives the kinds of event its rule names', () => {
  it('given a rule naming usage, when any event is judged, then its judge only ever sees usage', () => {
    const seen: EventType[] = [];
    const usageOnly = rule({
      id: 'R99',
      codes: ['DUPLICATE_ID'],
      events: ['UsageRecorded'],
      description: 'sees usage only',
      // The event is typed UsageRecorded: its usage id needs no narrowing.
      judge: (_, event) => {
        seen.push(event.type);
        return event.data.usageId === '' ? O.some({ code: 'DUPLICATE_ID', message: 'empty' }) : O.none;
      },
    });
    assertProperty(
      fc.property(anyEvent(), (event) => {
        seen.length = 0;
        const judgement = usageOnly.judge(fold([]), event, rules);
        expect(seen).toEqual(event.type === 'UsageRecorded' ? ['UsageRecorded'] : []);
        if (event.type !== 'UsageRecorded') expect(O.isNone(judgement)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('given a rule naming tenants, then its judge is not typed for the fields of other kinds', () => {
    const tenantRule = rule({
      id: 'R98',
      codes: ['TENANT_ALREADY_EXISTS'],
      events: ['SharedTenantCreated'],
      description: 'types its judge',
      // @ts-expect-error a SharedTenantCreated has no subscriptionId
      judge: (_, event) => (event.data.subscriptionId === 's1' ? O.none : O.none),
    });
    expect(tenantRule.events).toEqual(['SharedTenantCreated']);
  });

  it('the judge admissibility runs for a named kind agrees with the rule, in any state', () => {
    assertProperty(
      fc.property(validHistory({ maxCommands: 12 }), anyEvent(), (history, event) => {
        const state = fold(history);
        for (const r of ruleTable)
          if (r.events === 'every event' || r.events.includes(event.type))
            expect(judgeOfNamed(r)(state, event, rules), r.id).toEqual(r.judge(state, event, rules));
      }),
      { numRuns: 300 },
    );
  });
});
