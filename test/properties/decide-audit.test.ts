import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  audit,
  decide,
  decodeCommand,
  fold,
  initialState,
  propose,
  rules2023,
  type DomainEvent,
  type RuleSet,
} from 'apss-domain';
import { assertProperty, commandSequence, formatMessage, validHistory } from 'apss-domain/testing';

describe('decide and audit agree on every event', () => {
  it('audit finds nothing wrong in any history decide produced', async () => {
    await assertProperty(
      fc.asyncProperty(validHistory(), async (history) => {
        const report = await audit(history);
        expect(report.findings).toEqual([]);
        expect(report.events).toBe(history.length);
      }),
      { numRuns: 200 },
    );
  });

  const judgeAlike = (rules: RuleSet | undefined) =>
    fc.asyncProperty(commandSequence({ rules, maxCommands: 16 }), async (commands) => {
      const history: DomainEvent[] = [];
      let state = initialState;
      for (const [index, command] of commands.entries()) {
        const step = `step ${index + 1}, ${formatMessage(command)}`;
        const decision = decide(command, state, rules);
        const decoded = decodeCommand(command);
        if (E.isLeft(decoded)) throw new Error(`${step}: a generated command is not well-formed`);
        if (state.partnerId !== null && command.data.partnerId !== state.partnerId) {
          // An audit keeps each partner's state apart, so R1 is decide's alone.
          expect(E.isLeft(decision) && decision.left.code, step).toBe('PARTNER_MISMATCH');
          continue;
        }
        const proposed = propose(decoded.right);
        // Recorded anyway, the proposed events are what audit judges after the accepted history.
        const { findings } = await audit([...history, ...proposed], rules === undefined ? {} : { rules });
        if (E.isLeft(decision)) {
          expect(findings[0]?.code, step).toBe(decision.left.code);
          expect(findings[0]?.position, step).toBeGreaterThan(history.length);
        } else {
          expect(findings, step).toEqual([]);
          expect(decision.right, step).toEqual(proposed);
          history.push(...decision.right);
          state = fold(decision.right, state);
        }
      }
    });

  it('decide refuses a command with the code audit gives its first event that breaks a rule (default rules)', async () => {
    await assertProperty(judgeAlike(undefined), { numRuns: 120 });
  });

  it('decide refuses a command with the code audit gives its first event that breaks a rule (2023 rules)', async () => {
    await assertProperty(judgeAlike(rules2023), { numRuns: 60 });
  });
});
