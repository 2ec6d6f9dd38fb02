import * as E from 'fp-ts/lib/Either.js';
import { problemsOf, struct } from '../lib/codec.js';
import { PositiveInteger } from '../lib/money.js';
import { isPartnerState, type PartnerState } from '../state/state.js';

/** 256 MiB: room for the states of thousands of ordinary partners, or one with millions of usage records. */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 2 ** 20;

const StateCacheOptions = struct('StateCacheOptions', {}, { maxBytes: PositiveInteger });

/** A stream's folded state at a version the store confirmed: the fold of exactly its first `version` events. */
export type CachedState = { readonly version: number; readonly state: PartnerState };

/** What a cache holds and how well it serves, as `cache.stats` tells it. */
export type StateCacheStats = {
  /** The estimated bytes of the states held. */
  readonly bytes: number;
  /** The bound on `bytes` (only the most recently kept state may go past it alone). */
  readonly maxBytes: number;
  /** How many streams' states are held. */
  readonly entries: number;
  /** Reads (`get`) that found a state, and reads that found none. */
  readonly hits: number;
  readonly misses: number;
  /** States dropped to stay within the bound. */
  readonly evictions: number;
};

/** A version as the cache counts it: a whole number of events, exactly representable. */
const isVersion = (u: unknown): u is number => Number.isSafeInteger(u) && (u as number) >= 0;

/*
 * What a state weighs on the heap, estimated from its contents: the usage ids by the bytes of their
 * IdSet, every other record by a flat weight per map entry (the entry, the record object and its
 * strings). Checked against the heap a state really takes by bench/store.mjs.
 */
const STATE_BYTES = 600;
const RECORD_BYTES = 320;

/** The estimated bytes a state holds. */
const stateBytes = (state: PartnerState): number =>
  STATE_BYTES +
  state.usage.byteLength +
  RECORD_BYTES *
    (state.subscriptions.size + state.reservations.size + state.deployments.size + state.services.size);

type Entry = CachedState & { readonly bytes: number };

/**
 * Folded partner states kept between commands, so that handling a command reads only the events
 * appended since (the tail) instead of the whole stream. Streams only ever grow, so a state at
 * version N stays true forever; the store's version check still guards every append.
 *
 * Bounded by the memory its states hold (estimated per state, see `stateBytes`), least recently used
 * first out. The state kept last is kept even when it alone is over the bound: a big partner is
 * cached like any other (the fold it came from held it in memory anyway), and the next state kept
 * pushes it out in turn.
 */
export class StateCache {
  readonly maxBytes: number;
  /** Why the options given to the constructor were not used (handleCommand refuses such a cache). */
  readonly problems: readonly string[] = [];
  readonly #entries = new Map<string, Entry>();

  /** Whether a value is a StateCache that was constructed (one that only inherits from its prototype is not). */
  static isCache(u: unknown): u is StateCache {
    return typeof u === 'object' && u !== null && #entries in u;
  }
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  /** Options that do not decode leave the defaults in place and are named in `problems` (a constructor does not throw). */
  constructor(options?: { maxBytes?: number }) {
    const decoded = StateCacheOptions.decode(options ?? {});
    this.maxBytes = (E.isRight(decoded) ? decoded.right.maxBytes : undefined) ?? DEFAULT_CACHE_MAX_BYTES;
    if (E.isLeft(decoded)) this.problems = problemsOf(decoded.left).map((p) => `${p.path} ${p.reason}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): StateCacheStats {
    return {
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
      entries: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
    };
  }

  get(streamId: string): CachedState | undefined {
    const entry = this.#entries.get(streamId);
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    this.#entries.delete(streamId);
    this.#entries.set(streamId, entry);
    return { version: entry.version, state: entry.state };
  }

  /**
   * Keeps a state unless a newer one is already kept, then drops the least recently used others
   * until the cache is within its bound. Arguments that are not a string, a version (a safe integer
   * from 0) and a PartnerState keep nothing and change nothing: the bytes the cache counts stay true.
   */
  set(streamId: string, version: number, state: PartnerState): void {
    if (typeof streamId !== 'string' || !isVersion(version) || !isPartnerState(state)) return;
    const known = this.#entries.get(streamId);
    if (known !== undefined && known.version >= version) return;
    this.delete(streamId);
    const bytes = stateBytes(state);
    this.#entries.set(streamId, { version, state, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes || oldest === streamId) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
      this.#evictions += 1;
    }
  }

  delete(streamId: string): void {
    const known = this.#entries.get(streamId);
    if (known === undefined) return;
    this.#entries.delete(streamId);
    this.#bytes -= known.bytes;
  }
}
