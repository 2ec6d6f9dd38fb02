/**
 * A map of a partner's records by id (its subscriptions, reservations, ...) that a state shares with
 * the states after it: a state extended by one event writes one record, and must not copy all the
 * others to do so, yet every state handed out stays as it was.
 *
 * The keys are a store that keys are only ever appended to, shared by a map and its copies (as an
 * IdSet's ids are): a key's ordinal is its place in the order keys were first set, and each map sees
 * the keys below its own count. The values sit in chunks of CHUNK by ordinal; a copy shares the
 * table of chunks and every chunk, and a write copies the table (one slot per CHUNK records) and the
 * one chunk it changes, once per map. Only a map whose count is its store's count appends to the store
 * in place; any other (a second copy of the same map, or the original after a copy) takes a store of
 * its own on its first new key. Iteration follows first insertion, as a Map's does.
 *
 * A map may be made over a source of records kept elsewhere (see `over`): its keys are asked for on
 * its first read, and each value when it is first read, so that a map of a file's records costs
 * nothing until it is read, and little more than the records read.
 *
 * Read-only to everyone but the recipes that write to it; frozen (Object.freeze) wherever a state is
 * handed out, and then `set` and `delete` refuse, as a frozen Map (see freezeMap) does.
 */

const CHUNK_BITS = 6;
const CHUNK = 1 << CHUNK_BITS;
const LOW = CHUNK - 1;
/** The chunks whose ownership a map keeps as bits of one number (see `#owned`). */
const OWNED_BITS = 31;

/**
 * The keys of a map and of its copies, in the order they were first set; of a map made over a source,
 * taken from it on the first read of any map that shares them (`pending` until then).
 */
type Keys = { ordinals: Map<string, number>; pending?: RecordSource<unknown> | undefined };

/**
 * Records kept elsewhere that a map can be made over: how many, their keys (a new map of each key to
 * its ordinal, set in the order of the ordinals, from 0 to count - 1, which the map takes as its own)
 * and the value at each ordinal, decoded when asked for. The keys are asked
 * for once for a map and all its copies, a value each time a map reads a key whose value it holds as
 * the source's: a source keeps what it decoded, and gives the same value each time. Either may throw
 * (a record that does not decode): the read of the map throws it, and changes nothing.
 */
export type RecordSource<V> = {
  readonly count: number;
  readonly keys: () => Map<string, number>;
  readonly value: (ordinal: number) => V;
};

/** The value slot of a key a map made over a source holds as the source's (see `slots`). */
export const UNREAD: unique symbol = Symbol('unread');

/** The value slot of a key deleted from a map that still shares its store (only the generator deletes). */
const DELETED: unique symbol = Symbol('deleted');
type Slot<V> = V | typeof DELETED | typeof UNREAD;

const refuse = (): never => {
  throw new TypeError('this collection is frozen: it cannot be changed');
};

// Read as a ReadonlyMap wherever it is one (a state's sections), and checked there: not declared to
// implement it, since a consumer's newer lib (esnext) has ReadonlyMap's iterators return MapIterator,
// with helpers that Node 20's iterators lack, and would refuse this declaration.
export class RecordMap<V> {
  #keys: Keys = { ordinals: new Map() };
  /** The keys of the store below it are this map's (unless deleted). */
  #count = 0;
  #size = 0;
  #chunks: Slot<V>[][] = [];
  /**
   * Whether the table of chunks is this map's alone, and which chunks are: a bit each for the first
   * OWNED_BITS (most maps have one chunk), a set for the others (null: none yet).
   */
  #ownsTable = true;
  #owned = 0;
  #ownedAbove: Set<number> | null = null;
  /** The records it was made over (see `over`), shared with its copies. */
  #source: RecordSource<V> | undefined;
  /** Whether a key was set or deleted in it, or in the map it is a copy of, since it was made. */
  #written = false;

  /** A map of these entries (anything but an iterable of pairs gives an empty map). */
  constructor(entries?: Iterable<readonly [string, V]>) {
    if (entries !== undefined && entries !== null && typeof entries[Symbol.iterator] === 'function')
      for (const [key, value] of entries) this.set(key, value);
  }

  /**
   * A map of the source's records, each key mapped to the value at its ordinal: it takes the keys
   * from the source on its first read, and a value when that key is first read. Its copies share the
   * source, and what was taken from it.
   */
  static over<V>(source: RecordSource<V>): RecordMap<V> {
    const map = new RecordMap<V>();
    map.#keys = { ordinals: new Map(), pending: source };
    map.#count = source.count;
    map.#size = source.count;
    // No chunk until one is written: a missing chunk holds its records as the source's.
    map.#chunks = new Array<Slot<V>[]>(Math.ceil(source.count / CHUNK));
    map.#source = source;
    return map;
  }

  get size(): number {
    return this.#size;
  }

  /** The keys, taken from the source first if they were not yet. */
  #names(): Keys {
    const keys = this.#keys;
    if (keys.pending !== undefined) {
      keys.ordinals = keys.pending.keys();
      keys.pending = undefined;
    }
    return keys;
  }

  #ordinalOf(key: unknown): number {
    const ordinal = this.#names().ordinals.get(key as string);
    return ordinal !== undefined && ordinal < this.#count ? ordinal : -1;
  }

  #slot(ordinal: number): Slot<V> {
    const chunk = this.#chunks[ordinal >>> CHUNK_BITS];
    return chunk === undefined ? UNREAD : (chunk[ordinal & LOW] as Slot<V>);
  }

  /** The value at an ordinal, read from the source if the map holds the source's. */
  #value(ordinal: number): V | typeof DELETED {
    const value = this.#slot(ordinal);
    return value === UNREAD ? (this.#source as RecordSource<V>).value(ordinal) : value;
  }

  get(key: string): V | undefined {
    const ordinal = this.#ordinalOf(key);
    if (ordinal < 0) return undefined;
    const value = this.#value(ordinal);
    return value === DELETED ? undefined : value;
  }

  has(key: string): boolean {
    const ordinal = this.#ordinalOf(key);
    return ordinal >= 0 && this.#slot(ordinal) !== DELETED;
  }

  /** Sets a key's value (a new key goes last); throws on a frozen map. */
  set(key: string, value: V): this {
    if (Object.isFrozen(this)) refuse();
    this.#written = true;
    const ordinal = this.#ordinalOf(key);
    if (ordinal >= 0) {
      const chunk = this.#writableChunk(ordinal >>> CHUNK_BITS);
      if (chunk[ordinal & LOW] === DELETED) this.#size += 1;
      chunk[ordinal & LOW] = value;
      return this;
    }
    if (this.#names().ordinals.size !== this.#count) this.#keys = this.#ownKeys();
    const added = this.#count;
    this.#keys.ordinals.set(key, added);
    this.#count += 1;
    this.#size += 1;
    if ((added & LOW) === 0) {
      // A first chunk gets a table of one slot: most maps never have a second, and a table grown by
      // push would keep room for sixteen.
      if (this.#chunks.length === 0) {
        this.#chunks = [[value]];
        this.#ownsTable = true;
      } else {
        if (!this.#ownsTable) this.#ownTable();
        this.#chunks.push([value]);
      }
      this.#own(added >>> CHUNK_BITS);
    } else this.#writableChunk(added >>> CHUNK_BITS).push(value);
    return this;
  }

  /**
   * Removes a key; true if it was there. A map whose copies share its store marks the key's slot, and
   * a key set again later keeps its place (a Map's would go last): only the generator deletes.
   */
  delete(key: string): boolean {
    if (Object.isFrozen(this)) refuse();
    const ordinal = this.#ordinalOf(key);
    if (ordinal < 0 || this.#slot(ordinal) === DELETED) return false;
    this.#written = true;
    this.#writableChunk(ordinal >>> CHUNK_BITS)[ordinal & LOW] = DELETED;
    this.#size -= 1;
    return true;
  }

  /** Freezes the map, and lets go of what it knew it owned: nothing writes to it again. */
  freeze(): this {
    this.#disown();
    this.#ownsTable = false;
    return Object.freeze(this);
  }

  /** A copy to write to, whether or not this one is frozen: it shares everything until either writes. */
  copy(): RecordMap<V> {
    const copy = new RecordMap<V>();
    copy.#keys = this.#keys;
    copy.#count = this.#count;
    copy.#size = this.#size;
    copy.#chunks = this.#chunks;
    copy.#ownsTable = false;
    copy.#source = this.#source;
    copy.#written = this.#written;
    // What this map owned is shared now: it copies before it writes again too.
    if (!Object.isFrozen(this)) {
      this.#ownsTable = false;
      this.#disown();
    }
    return copy;
  }

  #ownTable(): void {
    this.#chunks = this.#chunks.slice();
    this.#ownsTable = true;
    this.#disown();
  }

  #disown(): void {
    this.#owned = 0;
    this.#ownedAbove = null;
  }

  #own(index: number): void {
    if (index < OWNED_BITS) this.#owned |= 1 << index;
    else (this.#ownedAbove ??= new Set()).add(index);
  }

  #owns(index: number): boolean {
    return index < OWNED_BITS ? (this.#owned & (1 << index)) !== 0 : this.#ownedAbove?.has(index) === true;
  }

  #writableChunk(index: number): Slot<V>[] {
    if (this.#owns(index)) return this.#chunks[index] as Slot<V>[];
    if (!this.#ownsTable) this.#ownTable();
    const current = this.#chunks[index];
    const chunk =
      current === undefined
        ? new Array<Slot<V>>(Math.min(CHUNK, (this.#source as RecordSource<V>).count - index * CHUNK)).fill(
            UNREAD,
          )
        : current.slice();
    this.#chunks[index] = chunk;
    this.#own(index);
    return chunk;
  }

  /** A store of this map's keys alone, for a map whose store has keys after its own. */
  #ownKeys(): Keys {
    const ordinals = new Map<string, number>();
    for (const [name, ordinal] of this.#names().ordinals) {
      if (ordinal >= this.#count) break;
      ordinals.set(name, ordinal);
    }
    return { ordinals };
  }

  /** The source it was made over (see `over`), if it was: the map, or the one it is a copy of. */
  get source(): RecordSource<V> | undefined {
    return this.#source;
  }

  /** Whether it holds its source's records as they were: no key set or deleted since it was made over it. */
  get holdsSource(): boolean {
    return this.#source !== undefined && !this.#written;
  }

  /**
   * Each key with its ordinal and its value as the map holds it, in order: UNREAD for a value it still
   * holds as its source's and was never read. For a writer that copies the source's own bytes of the
   * records that are as the source gave them.
   */
  *slots(): IterableIterator<readonly [string, number, V | typeof UNREAD]> {
    // A store's keys iterate in the order they were set: each key's ordinal is its place.
    for (const [name, ordinal] of this.#names().ordinals) {
      if (ordinal >= this.#count) return;
      const value = this.#slot(ordinal);
      if (value !== DELETED) yield [name, ordinal, value];
    }
  }

  /**
   * The slots of the chunks written since it was made over its source (a chunk never written holds
   * its records as the source's): each ordinal with its value as the map holds it, UNREAD for one
   * still the source's, null for a key deleted. For a writer that writes only what changed.
   */
  *writtenSlots(): IterableIterator<readonly [number, V | typeof UNREAD | null]> {
    for (let index = 0; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index];
      if (chunk === undefined) continue;
      for (let at = 0; at < chunk.length; at++) {
        const ordinal = index * CHUNK + at;
        if (ordinal >= this.#count) return;
        const value = chunk[at] as Slot<V>;
        yield [ordinal, value === DELETED ? null : value];
      }
    }
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [name, ordinal] of this.#names().ordinals) {
      if (ordinal >= this.#count) return;
      const value = this.#value(ordinal);
      if (value !== DELETED) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  forEach(each: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) each.call(thisArg, value, key, this);
  }
}
