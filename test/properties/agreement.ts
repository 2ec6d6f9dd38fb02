import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { expect } from 'vitest';
import { fold, initialState, type RuleSet } from 'apss-domain';
import { commandSequence, formatMessage, type DecideFunction } from 'apss-domain/testing';
import { ReferenceModel, type ModelRules } from './model.js';

/**
 * The property of the model-based tests: over a random command sequence, the decider accepts and
 * refuses exactly what the reference model does, with the same code, at every step, and what it
 * records says what the command said.
 */
export const agreesWithModel = (
  decide: DecideFunction,
  rules: RuleSet,
  model: ModelRules,
  maxCommands = 24,
) =>
  fc.property(commandSequence({ rules, maxCommands }), (commands) => {
    const reference = new ReferenceModel(model);
    let state = initialState;
    commands.forEach((command, index) => {
      const step = `step ${index + 1}, ${formatMessage(command)}`;
      const expected = reference.run(command);
      const decision = decide(command, state, rules);
      expect(E.isLeft(decision) ? decision.left.code : 'accepted', step).toBe(expected ?? 'accepted');
      if (E.isLeft(decision)) return;
      const recorded = decision.right;
      expect(
        recorded.map(({ type, data }) => ({ type, data })),
        step,
      ).toEqual(ReferenceModel.eventsOf(command));
      for (const event of recorded) {
        expect(event.metadata.actor, step).toEqual(command.metadata.actor);
        expect(event.metadata.at, step).toBe(new Date(Date.parse(command.metadata.at)).toISOString());
      }
      state = fold(recorded, state);
    });
  });
