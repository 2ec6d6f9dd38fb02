import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  audit,
  decide,
  decodeCommand,
  defaultRules,
  fold,
  initialState,
  propose,
  rules2023,
  type PartnerState,
  type Rejection,
  type RuleSet,
} from 'apss-domain';
import { commandSequence } from 'apss-domain/testing';

/** Two partners' command sequences, interleaved as a shared log would hold them. */
const interleaved = (rules: RuleSet) =>
  fc
    .tuple(
      commandSequence({ partnerId: 'p1', rules, maxCommands: 20 }),
      commandSequence({ partnerId: 'p2', rules, maxCommands: 20 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    )
    .map(([first, second, picks]) => {
      const merged = [];
      let i = 0;
      let j = 0;
      for (const pick of picks) {
        if (pick && i < first.length) merged.push(first[i++]);
        else if (j < second.length) merged.push(second[j++]);
      }
      return [...merged, ...first.slice(i), ...second.slice(j)];
    });

describe.each([
  ['default', defaultRules],
  ['2023', rules2023],
])('audit agrees with decide under the %s rules', (_, rules) => {
  it("every command's events are logged as they happened; an event decide would produce has no finding, and the first finding of a refused command has decide's code", async () => {
    await fc.assert(
      fc.asyncProperty(interleaved(rules), async (commands) => {
        const states = new Map<string, PartnerState>();
        const log: unknown[] = [];
        const decisions: { from: number; to: number; refused: Rejection | undefined }[] = [];
        for (const input of commands) {
          const command = decodeCommand(input);
          // A command that is not one records nothing, so it has no place in the log.
          if (E.isLeft(command)) continue;
          const { partnerId } = command.right.data;
          const state = states.get(partnerId) ?? initialState;
          const decision = decide(command.right, state, rules);
          // What the command would record, refused or not: a log records what happened.
          const events = propose(command.right);
          decisions.push({
            from: log.length + 1,
            to: log.length + events.length,
            refused: E.isLeft(decision) ? decision.left : undefined,
          });
          log.push(...events.map((event) => JSON.parse(JSON.stringify(event)) as unknown));
          states.set(partnerId, fold(events, state));
        }
        const report = await audit(log, { rules });
        expect(report.events).toBe(log.length);
        for (const { from, to, refused } of decisions) {
          const found = report.findings.filter((f) => f.position >= from && f.position <= to);
          if (refused === undefined) expect(found).toEqual([]);
          else expect(found[0]?.code).toBe(refused.code);
        }
      }),
      { numRuns: 150 },
    );
  });
});
