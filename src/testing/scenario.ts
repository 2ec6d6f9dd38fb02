import fc, { type Arbitrary } from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { Command } from '../domain/commands.js';
import { decide } from '../domain/decide.js';
import { fold } from '../state/evolve.js';
import { initialState } from '../state/state.js';
import { instantMs } from '../lib/time.js';
import type { DomainEvent } from '../events/codecs.js';
import { defaultRules } from '../policies/ruleSet.js';
import { anyType, intentOf, type Intent } from './intents.js';
import { readOptions, SequenceOptions, type DecideFunction } from './options.js';
import { Known, resolve } from './resolve.js';
import { crossShrink, MINUTE_MS } from './values.js';

/**
 * Command sequences about one partner, and the histories deciding them leaves. Most commands are
 * about things that exist and some deliberately are not.
 */

/** The intents of one sequence and the instant it starts at. */
function plan(where: string, input: unknown) {
  const options = readOptions(SequenceOptions, where, input);
  const rules = options.rules ?? defaultRules;
  const settings = {
    rules,
    decide: options.decide ?? (decide as DecideFunction),
    maxCommands: options.maxCommands ?? 24,
    partnerId: options.partnerId ?? 'p1',
  };
  const around = instantMs(options.around ?? rules.marketplaceCutoff);
  // Most sequences open with the shared tenant (created by someone permitted to: a refused opening
  // would leave the sequence without a tenant). Some first try to make a tenant that has a service
  // the shared one, some first do anything at all.
  const create = intentOf(fc.constant('CreateSharedTenant')).map((intent) => ({ ...intent, role: null }));
  const provision = intentOf(fc.constant('ProvisionService')).map((intent) => ({
    ...intent,
    role: null,
    strayTarget: false,
  }));
  const anything = intentOf(anyType);
  const opening = fc.oneof(
    crossShrink,
    { weight: 6, arbitrary: create.map((intent) => [intent]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(provision, create, create)
        .map(([service, onItsTenant, then]) => [service, { ...onItsTenant, strayTarget: true }, then]),
    },
    { weight: 1, arbitrary: fc.tuple(anything, create).map((intents) => [...intents]) },
    { weight: 1, arbitrary: anything.map((intent) => [intent]) },
  );
  const rest = fc.array(intentOf(anyType), { maxLength: Math.max(0, settings.maxCommands - 1), size: 'max' });
  const intents = fc
    .tuple(opening, rest)
    .map(([first, then]) => [...first, ...then].slice(0, settings.maxCommands));
  const start = fc.integer({ min: 0, max: 4 * 24 * 60 }).map((m) => around - m * MINUTE_MS);
  return { settings, drawn: fc.tuple(start, intents) };
}

type Run = { readonly commands: readonly Command[]; readonly events: readonly DomainEvent[] };

/**
 * Decides each intent's command in turn. Later commands refer to what accepted ones introduced; a
 * refused command leaves no trace in the history.
 */
function run(settings: ReturnType<typeof plan>['settings'], start: number, intents: readonly Intent[]): Run {
  const known = new Known(start);
  const commands: Command[] = [];
  const events: DomainEvent[] = [];
  let state = initialState;
  for (const intent of intents) {
    const command = resolve(intent, known, settings.rules, settings.partnerId);
    commands.push(command);
    const decision = settings.decide(command, state, settings.rules);
    if (E.isLeft(decision)) continue;
    events.push(...decision.right);
    state = fold(decision.right, state);
    known.remember(command);
  }
  return { commands, events };
}

/**
 * Random command sequences about one partner, accepted and refused ones: most commands refer to
 * what earlier accepted commands introduced, some deliberately to what does not exist or is not
 * theirs; times mostly advance. For model-based tests, run a sequence against the decider and a
 * model of yours and compare every decision. `decide` (default the library's) steers which ids
 * exist; it does not filter anything out.
 */
export function commandSequence(options?: SequenceOptions): Arbitrary<readonly Command[]> {
  const { settings, drawn } = plan('commandSequence', options);
  return drawn.map(([start, intents]) => run(settings, start, intents).commands);
}

/**
 * One partner's history, produced by deciding random commands in turn (refused ones leave no trace),
 * so every history is one the rules allow. `decide` defaults to the library's; pass your own service's
 * to check what it lets through.
 */
export function validHistory(options?: SequenceOptions): Arbitrary<readonly DomainEvent[]> {
  const { settings, drawn } = plan('validHistory', options);
  return drawn.map(([start, intents]) => run(settings, start, intents).events);
}
