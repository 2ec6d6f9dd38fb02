import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, integerFrom, refined, struct } from '../lib/codec.js';
import { decodeCommand, type Command } from '../domain/commands.js';
import { apssDecider, DeciderOption, isLibraryDecider, type Decider } from '../domain/decider.js';
import { applyEvent, evolve } from '../state/evolve.js';
import type { Rejection } from '../policies/rejection.js';
import {
  draftOf,
  freezeState,
  initialState,
  type MutablePartnerState,
  type PartnerState,
} from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { compileRules, defaultRules, type RuleSet } from '../policies/ruleSet.js';
import { ConcurrencyError } from './errors.js';
import { isEventStore, partnerStreamId, type EventStore } from './eventStore.js';
import { optionProblems } from './optionCodecs.js';
import { appendDecided } from './requests.js';
import { offersSnapshots, restoredWithLast } from './snapshots.js';
import { StateCache } from './stateCache.js';
import { canonicalJson } from '../seal/link.js';

export const DEFAULT_RETRIES = 5;
export const MAX_RETRIES = 1_000;

export type HandleCommandOptions = {
  /** The rules to decide by (defaultRules): the decider is then `apssDecider(rules)`. */
  readonly rules?: RuleSet | undefined;
  /** The decider to decide and fold by (the library's, by `rules`); give rules or a decider, not both. */
  readonly decider?: Decider | undefined;
  /** How many times to reread and decide again after a version conflict (5). */
  readonly retries?: number | undefined;
  /** Where folded states are kept between commands: the store's own cache by default; `false` reads whole streams. */
  readonly cache?: StateCache | false | undefined;
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
  // A brand check: an object that only inherits from StateCache's prototype, or a Proxy, is no cache.
  (u): u is StateCache | false => u === false || StateCache.isCache(u),
  'a StateCache or false',
);
const Options = struct(
  'HandleCommandOptions',
  {},
  { rules: t.unknown, decider: DeciderOption, retries: Retries, cache: CacheOption },
);

type Settings = {
  readonly decider: Decider;
  readonly retries: number;
  readonly cache: StateCache | undefined;
};

/**
 * The store's own caches, one per fold (an evolve function and the state it starts from): a state
 * folded by one is not another's.
 */
const storeCaches = new WeakMap<EventStore, WeakMap<Decider['evolve'], WeakMap<PartnerState, StateCache>>>();
/** The store and fold each cache serves: a state cached from one store says nothing about another's stream of the same name. */
const cacheOwners = new WeakMap<
  StateCache,
  {
    readonly store: EventStore;
    readonly evolve: Decider['evolve'];
    readonly initialState: PartnerState;
  }
>();

/** The library's decider for each rule set given, made once. */
const deciders = new WeakMap<RuleSet, Decider>();
const deciderFor = (rules: RuleSet): Decider => {
  let decider = deciders.get(rules);
  if (decider === undefined) deciders.set(rules, (decider = apssDecider(rules)));
  return decider;
};

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
  const { rules, decider: given, retries = DEFAULT_RETRIES, cache } = decoded.right;
  if (rules !== undefined && given !== undefined)
    return invalid('invalid options: give rules or a decider, not both', [
      'options.rules',
      'options.decider',
    ]);
  let decider = given;
  if (decider === undefined) {
    const compiled = compileRules(rules ?? defaultRules);
    if (E.isLeft(compiled)) return invalid(`invalid options: rules: ${compiled.left}`, ['options.rules']);
    decider = deciderFor(compiled.right.source);
  }
  if (cache instanceof StateCache && cache.problems.length > 0)
    return invalid(`invalid options: cache ${cache.problems.join('; ')}`, ['options.cache']);
  if (cache === false) return E.right({ decider, retries, cache: undefined });
  const { evolve: fold, initialState: start } = decider;
  const caches =
    storeCaches.get(store) ?? new WeakMap<Decider['evolve'], WeakMap<PartnerState, StateCache>>();
  const ofFold = caches.get(fold) ?? new WeakMap<PartnerState, StateCache>();
  const chosen = cache ?? ofFold.get(start) ?? new StateCache();
  const owner = cacheOwners.get(chosen) ?? { store, evolve: fold, initialState: start };
  if (owner.store !== store)
    return invalid('invalid options: cache serves another store (use one StateCache per store)', [
      'options.cache',
    ]);
  if (owner.evolve !== fold || owner.initialState !== start)
    return invalid(
      'invalid options: cache holds states another evolve or initial state folded (use one StateCache per decider)',
      ['options.cache'],
    );
  cacheOwners.set(chosen, owner);
  if (cache === undefined) storeCaches.set(store, caches.set(fold, ofFold.set(start, chosen)));
  return E.right({ decider, retries, cache: chosen });
}

/**
 * A partner's state at a version of its stream, as handleCommand carries it from reading to appending.
 * With the library's evolve it is one private draft, made (copy on write) only when events arrive:
 * the events read since the cached state, then the events decided, go into the same draft, and it is
 * frozen once, for the cache. With another evolve, each event is evolved in turn.
 */
class Folding {
  #state: PartnerState;
  #draft: MutablePartnerState | undefined;
  #changed = false;
  constructor(
    readonly decider: Decider,
    public version: number,
    state: PartnerState,
    /** Whether the state is not kept yet (one restored from a snapshot). */
    unkept = false,
    /** The event at `version`, when known (read, restored, decided, or kept with a cached state: see lastEvents). */
    public last?: DomainEvent,
    /** Whether the stream is yet to be seen to hold `last` at `version` (a state taken from the cache). */
    public unconfirmed = false,
  ) {
    this.#state = state;
    this.#changed = unkept;
  }

  /**
   * The state to decide on. The library's decider reads the draft itself, which nothing changes while
   * it reads it and which it keeps nothing of. A caller's decider may keep what it is given: it gets
   * the state frozen, and the events decided go into a new draft (copy on write).
   */
  get state(): PartnerState {
    if (this.#draft === undefined || isLibraryDecider(this.decider)) return this.#draft ?? this.#state;
    this.#state = freezeState(this.#draft);
    this.#draft = undefined;
    return this.#state;
  }

  /** Whether events were applied since the state was last kept. */
  get changed(): boolean {
    return this.#changed;
  }

  apply(event: DomainEvent): void {
    this.#changed = true;
    this.last = event;
    if (this.decider.evolve !== evolve) this.#state = this.decider.evolve(this.#state, event);
    else applyEvent((this.#draft ??= draftOf(this.#state)), event);
  }

  /** The state frozen, as the cache keeps it. */
  frozen(): PartnerState {
    if (this.#draft !== undefined) this.#state = freezeState(this.#draft);
    this.#draft = undefined;
    this.#changed = false;
    return this.#state;
  }
}

/**
 * The event each state handleCommand kept was folded up to (the one at its version): a cached state
 * goes on only where the stream still holds that event there. A stream reset under the cache
 * (emptied, and written again by others) holds other events, and is folded anew.
 */
const lastEvents = new WeakMap<PartnerState, DomainEvent>();

/**
 * Whether a stored event is the one a state was folded up to: the same object, or the same event
 * once both are decoded (a caller's decider may write an instant another way than the store keeps it).
 */
const sameEvent = (stored: DomainEvent, kept: DomainEvent): boolean =>
  stored === kept || canonicalJson(decoded(stored)) === canonicalJson(decoded(kept));

const decoded = (event: DomainEvent): DomainEvent => {
  const read = decodeEvent(event);
  return E.isRight(read) ? read.right : event;
};

/** Where a partner's state starts: the cached state, if any, or the decider's initial state. */
const startingState = (decider: Decider, cache: StateCache | undefined, streamId: string): Folding => {
  const known = cache?.get(streamId);
  if (known === undefined) return new Folding(decider, 0, decider.initialState);
  const last = lastEvents.get(known.state);
  return new Folding(decider, known.version, known.state, false, last, last !== undefined);
};

/**
 * On a cold start (nothing cached), a store that keeps snapshots gives the state from its snapshot
 * and the events after it (see restoreState); a snapshot holds the library's state, so only a
 * decider that folds with the library's evolve starts from one.
 */
async function coldStart(
  store: EventStore,
  decider: Decider,
  cache: StateCache | undefined,
  streamId: string,
): Promise<Folding> {
  const folding = startingState(decider, cache, streamId);
  const libraryFold = decider.evolve === evolve && decider.initialState === initialState;
  if (folding.version > 0 || !libraryFold || !offersSnapshots(store)) return folding;
  const { version, state, last } = await restoredWithLast(store, streamId);
  if (version === 0) return folding;
  return new Folding(decider, version, state, true, last);
}

/**
 * Applies the events appended after the state's version (the tail): the store decodes them as it
 * reads them. An event of another partner is not applied (R1): the stream was written past the
 * store's check (by another program, or a version before it), and the rejection says where.
 */
async function catchUp(
  store: EventStore,
  streamId: string,
  partnerId: string,
  folding: Folding,
): Promise<Rejection | 'stale' | undefined> {
  // A cached state reads from its own last event on: that it is still there shows the stream is
  // the one the state was folded from.
  const expected = folding.last;
  let confirmed = !folding.unconfirmed || expected === undefined || folding.version === 0;
  const after = confirmed ? folding.version : folding.version - 1;
  for await (const stored of store.readStream(streamId, { after })) {
    if (!confirmed) {
      if (stored.streamPosition < folding.version) continue;
      if (
        stored.streamPosition !== folding.version ||
        expected === undefined ||
        !sameEvent(stored.event, expected)
      )
        return 'stale';
      confirmed = true;
      folding.unconfirmed = false;
      continue;
    }
    // A store that ignores `after` hands back events the state already holds.
    if (stored.streamPosition <= folding.version) continue;
    if (stored.event.data.partnerId !== partnerId)
      return {
        code: 'PARTNER_MISMATCH',
        message: `stream ${streamId} holds an event of partner ${stored.event.data.partnerId} at position ${stored.streamPosition}: another partner's events are never applied to this one's state`,
      };
    folding.apply(stored.event);
    folding.version = stored.streamPosition;
  }
  return confirmed ? undefined : 'stale';
}

/** Keeps the state in the cache, frozen, if events changed it. */
function keep(cache: StateCache | undefined, streamId: string, folding: Folding): void {
  if (!folding.changed || cache === undefined) return;
  const state = folding.frozen();
  if (folding.last !== undefined) lastEvents.set(state, folding.last);
  cache.set(streamId, folding.version, state);
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
  return decideAndAppend(store, decoded.right, settings.right);
}

/** The command handled: decided on the state read, its events appended as they are, the state kept. */
async function decideAndAppend(
  store: EventStore,
  command: Command,
  { decider, retries, cache }: Settings,
): Promise<E.Either<Rejection, CommandHandled>> {
  // A partner id is storable text of at most 128 characters, so its stream id is a valid one.
  const streamId = partnerStreamId(command.data.partnerId);
  let folding = await coldStart(store, decider, cache, streamId);
  for (let attempt = 0; ; attempt++) {
    const caught = await catchUp(store, streamId, command.data.partnerId, folding);
    if (caught === 'stale') {
      // The stream was reset under the cache: the state is folded anew (no retry is spent on it).
      cache?.delete(streamId);
      folding = await coldStart(store, decider, undefined, streamId);
      attempt -= 1;
      continue;
    }
    if (caught !== undefined) return E.left(caught);
    const decision = decider.decide(command, folding.state);
    if (E.isLeft(decision)) {
      keep(cache, streamId, folding);
      return decision;
    }
    const events = decision.right;
    const version = folding.version;
    try {
      // The library's events go on as they are; a caller's decider's are checked as any append.
      const { nextVersion } = isLibraryDecider(decider)
        ? await appendDecided(store, { streamId, events, expectedVersion: version })
        : await store.appendToStream(streamId, events, { expectedVersion: version });
      if (nextVersion === version + events.length) {
        for (const event of events) folding.apply(event);
        folding.version = nextVersion;
      }
      keep(cache, streamId, folding);
      return E.right({ events, nextVersion });
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= retries) throw error;
      // A stream shorter than the state read means the store was reset under the cache.
      if (error.actualVersion < version) {
        cache?.delete(streamId);
        folding = startingState(decider, undefined, streamId);
      }
      await pause(attempt);
    }
  }
}
