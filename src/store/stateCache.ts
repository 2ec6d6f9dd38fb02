import * as E from 'fp-ts/lib/Either.js';
import { problemsOf, struct } from '../lib/codec.js';
import { PositiveInteger } from '../lib/money.js';
import { isPartnerState, type PartnerState } from '../state/state.js';

export const DEFAULT_CACHE_MAX_EVENTS = 250_000;

const StateCacheOptions = struct('StateCacheOptions', {}, { maxEvents: PositiveInteger });

/** A stream's folded state at a version the store confirmed: the fold of exactly its first `version` events. */
export type CachedState = { readonly version: number; readonly state: PartnerState };

/** A version as the cache counts it: a whole number of events, exactly representable. */
const isVersion = (u: unknown): u is number => Number.isSafeInteger(u) && (u as number) >= 0;

/**
 * Folded partner states kept between commands, so that handling a command reads only the events
 * appended since (the tail) instead of the whole stream. Streams only ever grow, so a state at
 * version N stays true forever; the store's version check still guards every append.
 * Bounded by the number of events folded into the states it holds, least recently used first out
 * (memory follows events: a partner's state grows with its subscriptions, usage and so on).
 */
export class StateCache {
  readonly maxEvents: number;
  /** Why the options given to the constructor were not used (handleCommand refuses such a cache). */
  readonly problems: readonly string[] = [];
  readonly #entries = new Map<string, CachedState>();
  #events = 0;

  /** Options that do not decode leave the defaults in place and are named in `problems` (a constructor does not throw). */
  constructor(options?: { maxEvents?: number }) {
    const decoded = StateCacheOptions.decode(options ?? {});
    this.maxEvents = (E.isRight(decoded) ? decoded.right.maxEvents : undefined) ?? DEFAULT_CACHE_MAX_EVENTS;
    if (E.isLeft(decoded)) this.problems = problemsOf(decoded.left).map((p) => `${p.path} ${p.reason}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(streamId: string): CachedState | undefined {
    const entry = this.#entries.get(streamId);
    if (entry === undefined) return undefined;
    this.#entries.delete(streamId);
    this.#entries.set(streamId, entry);
    return entry;
  }

  /**
   * Keeps a state unless a newer one is already kept; a state larger than the whole cache is not kept.
   * Arguments that are not a string, a version (a safe integer from 0) and a PartnerState keep nothing
   * and change nothing: the count of events the cache holds stays a true count.
   */
  set(streamId: string, version: number, state: PartnerState): void {
    if (typeof streamId !== 'string' || !isVersion(version) || !isPartnerState(state)) return;
    const known = this.#entries.get(streamId);
    if (known !== undefined && known.version >= version) return;
    this.delete(streamId);
    if (version > this.maxEvents) return;
    this.#entries.set(streamId, { version, state });
    this.#events += version;
    for (const [oldest, entry] of this.#entries) {
      if (this.#events <= this.maxEvents) break;
      this.#entries.delete(oldest);
      this.#events -= entry.version;
    }
  }

  delete(streamId: string): void {
    const known = this.#entries.get(streamId);
    if (known === undefined) return;
    this.#entries.delete(streamId);
    this.#events -= known.version;
  }
}
