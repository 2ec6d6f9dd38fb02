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
 * Read-only to everyone but the recipes that write to it; frozen (Object.freeze) wherever a state is
 * handed out, and then `set` and `delete` refuse, as a frozen Map (see freezeMap) does.
 */

const CHUNK_BITS = 6;
const CHUNK = 1 << CHUNK_BITS;
const LOW = CHUNK - 1;

/** The keys of a map and of its copies, in the order they were first set. */
type Keys = { readonly names: string[]; readonly ordinals: Map<string, number> };

/** The value slot of a key deleted from a map that still shares its store (only the generator deletes). */
const DELETED: unique symbol = Symbol('deleted');
type Slot<V> = V | typeof DELETED;

const refuse = (): never => {
  throw new TypeError('this collection is frozen: it cannot be changed');
};

export class RecordMap<V> implements ReadonlyMap<string, V> {
  #keys: Keys = { names: [], ordinals: new Map() };
  /** The keys of the store below it are this map's (unless deleted). */
  #count = 0;
  #size = 0;
  #chunks: Slot<V>[][] = [];
  /** Whether the table of chunks is this map's alone, and which chunks are (null: none yet). */
  #ownsTable = true;
  #ownedChunks: Set<number> | null = null;

  /** A map of these entries (anything but an iterable of pairs gives an empty map). */
  constructor(entries?: Iterable<readonly [string, V]>) {
    if (entries !== undefined && entries !== null && typeof entries[Symbol.iterator] === 'function')
      for (const [key, value] of entries) this.set(key, value);
  }

  get size(): number {
    return this.#size;
  }

  #ordinalOf(key: unknown): number {
    const ordinal = this.#keys.ordinals.get(key as string);
    return ordinal !== undefined && ordinal < this.#count ? ordinal : -1;
  }

  #slot(ordinal: number): Slot<V> {
    return (this.#chunks[ordinal >>> CHUNK_BITS] as Slot<V>[])[ordinal & LOW] as Slot<V>;
  }

  get(key: string): V | undefined {
    const ordinal = this.#ordinalOf(key);
    if (ordinal < 0) return undefined;
    const value = this.#slot(ordinal);
    return value === DELETED ? undefined : value;
  }

  has(key: string): boolean {
    const ordinal = this.#ordinalOf(key);
    return ordinal >= 0 && this.#slot(ordinal) !== DELETED;
  }

  /** Sets a key's value (a new key goes last); throws on a frozen map. */
  set(key: string, value: V): this {
    if (Object.isFrozen(this)) refuse();
    const ordinal = this.#ordinalOf(key);
    if (ordinal >= 0) {
      const chunk = this.#writableChunk(ordinal >>> CHUNK_BITS);
      if (chunk[ordinal & LOW] === DELETED) this.#size += 1;
      chunk[ordinal & LOW] = value;
      return this;
    }
    if (this.#keys.names.length !== this.#count) this.#keys = this.#ownKeys();
    const { names, ordinals } = this.#keys;
    const added = this.#count;
    names.push(key);
    ordinals.set(key, added);
    this.#count += 1;
    this.#size += 1;
    if ((added & LOW) === 0) {
      if (!this.#ownsTable) this.#ownTable();
      this.#chunks.push([value]);
      (this.#ownedChunks ??= new Set()).add(added >>> CHUNK_BITS);
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
    this.#writableChunk(ordinal >>> CHUNK_BITS)[ordinal & LOW] = DELETED;
    this.#size -= 1;
    return true;
  }

  /** Freezes the map, and lets go of what it knew it owned: nothing writes to it again. */
  freeze(): this {
    this.#ownedChunks = null;
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
    // What this map owned is shared now: it copies before it writes again too.
    if (!Object.isFrozen(this)) {
      this.#ownsTable = false;
      this.#ownedChunks = null;
    }
    return copy;
  }

  #ownTable(): void {
    this.#chunks = this.#chunks.slice();
    this.#ownsTable = true;
    this.#ownedChunks = null;
  }

  #writableChunk(index: number): Slot<V>[] {
    if (this.#ownedChunks?.has(index) === true) return this.#chunks[index] as Slot<V>[];
    if (!this.#ownsTable) this.#ownTable();
    const chunk = (this.#chunks[index] as Slot<V>[]).slice();
    this.#chunks[index] = chunk;
    (this.#ownedChunks ??= new Set()).add(index);
    return chunk;
  }

  /** A store of this map's keys alone, for a map whose store has keys after its own. */
  #ownKeys(): Keys {
    const names = this.#keys.names.slice(0, this.#count);
    return { names, ordinals: new Map(names.map((name, ordinal) => [name, ordinal])) };
  }

  *entries(): IterableIterator<[string, V]> {
    const names = this.#keys.names;
    for (let ordinal = 0; ordinal < this.#count; ordinal++) {
      const value = this.#slot(ordinal);
      if (value !== DELETED) yield [names[ordinal] as string, value];
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
