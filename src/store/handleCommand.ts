import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, integerFrom, refined, struct } from '../lib/codec.js';
import { decodeCommand } from '../domain/commands.js';
import { decide } from '../domain/decide.js';
import { applyEvent, fold } from '../state/evolve.js';
import type { Rejection } from '../policies/rejection.js';
import { freezeState, initialState, thaw, type MutablePartnerState } from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';
import { compileRules, defaultRules, type RuleSet } from '../policies/ruleSet.js';
import { ConcurrencyError } from './errors.js';
import { isEventStore, partnerStreamId, type EventStore } from './eventStore.js';
import { optionProblems } from './optionCodecs.js';
import { StateCache, type CachedState } from './stateCache.js';

export const DEFAULT_RETRIES = 5;
export const MAX_RETRIES = 1_000;

export type HandleCommandOptions = {
  /** The rules to decide by (defaultRules). */
  readonly rules?: RuleSet;
  /** How many times to reread and decide again after a version conflict (5). */
  readonly retries?: number;
  /** Where folded states are kept between commands: the store's own cache by default; `false` reads whole streams. */
  readonly cache?: StateCache | false;
};

export type CommandHandled = {
  /** The events recorded. */
  readonly events: readonly DomainEvent[];
  /** The partner stream's version after them. */
  readonly nextVersion: number;
};

const Retries = integerFrom('Retries', 0, MAX_RETRIES);
const CacheOption = refined(
  'CacheOption',
  (u): u is StateCache | false => u === false || u instanceof StateCache,
  'a StateCache or false',
);
const Options = struct(
  'HandleCommandOptions',
  {},
  { rules: t.unknown, retries: Retries, cache: CacheOption },
);

type Settings = { readonly rules: RuleSet; readonly retries: number; readonly cache: StateCache | undefined };

const storeCaches = new WeakMap<EventStore, StateCache>();
/** The store each cache serves: a state cached from one store says nothing about another's stream of the same name. */
const cacheOwners = new WeakMap<StateCache, EventStore>();

const invalid = (message: string, details: readonly string[]): E.Either<Rejection, never> =>
  E.left({ code: 'INVALID_COMMAND', message, details });

function settingsOf(store: unknown, options: unknown): E.Either<Rejection, Settings> {
  if (!isEventStore(store))
    return invalid('invalid store: expected an EventStore (readStream, readAll, appendToStream)', ['store']);
  const decoded = Options.decode(options ?? {});
  if (E.isLeft(decoded)) {
    const problems = optionProblems(decoded.left);
    return invalid(
      `invalid options: ${describeProblems(problems)}`,
      problems.map((p) => p.path),
    );
  }
  const { rules = defaultRules, retries = DEFAULT_RETRIES, cache } = decoded.right;
  const compiled = compileRules(rules);
  if (E.isLeft(compiled)) return invalid(`invalid options: rules: ${compiled.left}`, ['options.rules']);
  if (cache instanceof StateCache && cache.problems.length > 0)
    return invalid(`invalid options: cache ${cache.problems.join('; ')}`, ['options.cache']);
  if (cache === false) return E.right({ rules: compiled.right.source, retries, cache: undefined });
  const chosen = cache ?? storeCaches.get(store) ?? new StateCache();
  const owner = cacheOwners.get(chosen) ?? store;
  if (owner !== store)
    return invalid('invalid options: cache serves another store (use one StateCache per store)', [
      'options.cache',
    ]);
  cacheOwners.set(chosen, store);
  if (cache === undefined) storeCaches.set(store, chosen);
  return E.right({ rules: compiled.right.source, retries, cache: chosen });
}

/**
 * The partner's state now: the cached state (if any) with the events appended since folded onto it,
 * streamed into one private mutable copy so that memory does not hold the stream's events.
 */
async function currentState(store: EventStore, streamId: string, cache: StateCache | undefined) {
  const known: CachedState = cache?.get(streamId) ?? { version: 0, state: initialState };
  let version = known.version;
  let draft: MutablePartnerState | undefined;
  for await (const stored of store.readStream(streamId, { after: known.version })) {
    // A store that ignores `after` hands back events the cached state already holds.
    if (stored.streamPosition <= version) continue;
    draft ??= thaw(known.state);
    applyEvent(draft, stored.event);
    version = stored.streamPosition;
  }
  if (draft === undefined) return known;
  const state = freezeState(draft);
  cache?.set(streamId, version, state);
  return { version, state };
}

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));

/**
 * Decodes a command, reads its partner's stream (`partner-<partnerId>`), folds, decides and appends
 * the events expecting the version it read. When another writer got there first it rereads and
 * decides again, up to `retries` times, so no rule is broken by a race.
 *
 * Resolves to the recorded events, or to the rejection (a malformed command, bad options, a broken
 * rule) as a value: nothing is written then. Rejects only when the store fails (a database that is
 * down, a stored event that no longer decodes) or with the last ConcurrencyError once the retries
 * are spent: then nothing was written either, and the caller may try again later.
 */
export async function handleCommand(
  store: EventStore,
  command: unknown,
  options?: HandleCommandOptions,
): Promise<E.Either<Rejection, CommandHandled>> {
  const decoded = decodeCommand(command);
  if (E.isLeft(decoded)) return decoded;
  const settings = settingsOf(store, options);
  if (E.isLeft(settings)) return settings;
  const { rules, retries, cache } = settings.right;
  // A partner id is storable text of at most 128 characters, so its stream id is a valid one.
  const streamId = partnerStreamId(decoded.right.data.partnerId);
  for (let attempt = 0; ; attempt++) {
    const { version, state } = await currentState(store, streamId, cache);
    const decision = decide(decoded.right, state, rules);
    if (E.isLeft(decision)) return decision;
    const events = decision.right;
    try {
      const { nextVersion } = await store.appendToStream(streamId, events, { expectedVersion: version });
      if (nextVersion === version + events.length) cache?.set(streamId, nextVersion, fold(events, state));
      return E.right({ events, nextVersion });
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= retries) throw error;
      // A stream shorter than the state read means the store was reset under the cache.
      if (error.actualVersion < version) cache?.delete(streamId);
      await pause(attempt);
    }
  }
}
