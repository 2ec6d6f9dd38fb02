import type * as E from 'fp-ts/lib/Either.js';
import { isRecord, refined } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { defaultRules, type RuleSet } from '../policies/ruleSet.js';
import type { Command } from './commands.js';
import { decide } from './decide.js';
import { evolve } from '../state/evolve.js';
import type { Rejection } from '../policies/rejection.js';
import { initialState, isPartnerState, type PartnerState } from '../state/state.js';

/**
 * The decider of one partner, as one value: what a generic command handler (handleCommand, an
 * Emmett adapter) or a given/when/then spec needs, and nothing else. Its functions trust their types,
 * as `decide` and `evolve` do: commands and events reach them decoded.
 */
export type Decider = {
  /** The events a command records in this state, or why it is refused. */
  readonly decide: (command: Command, state: PartnerState) => E.Either<Rejection, readonly DomainEvent[]>;
  /** The state after one more event. */
  readonly evolve: (state: PartnerState, event: DomainEvent) => PartnerState;
  /** A partner with no events. */
  readonly initialState: PartnerState;
};

/** The deciders apssDecider made: the events they decide are the library's own, made by `decide`. */
const libraryDeciders = new WeakSet<Decider>();

/** The library's decider, deciding by these rules (defaultRules). */
export const apssDecider = (rules: RuleSet = defaultRules): Decider => {
  const decider: Decider = Object.freeze({
    decide: (command: Command, state: PartnerState) => decide(command, state, rules),
    evolve,
    initialState,
  });
  libraryDeciders.add(decider);
  return decider;
};

/** Whether apssDecider made this decider (a caller's own may decide anything). */
export const isLibraryDecider = (decider: Decider): boolean => libraryDeciders.has(decider);

/** A Decider handed in as an option (handleCommand's, a spec's): the three members, of the right kinds. */
export const DeciderOption = refined(
  'Decider',
  (u): u is Decider =>
    isRecord(u) &&
    typeof u.decide === 'function' &&
    typeof u.evolve === 'function' &&
    isPartnerState(u.initialState),
  'a Decider: { decide, evolve, initialState } (apssDecider makes one)',
);
