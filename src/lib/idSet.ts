/**
 * A set of ids kept in typed arrays rather than as strings on the heap: a partner's usage ids are by
 * far the most of what the rules remember, and as a Set of strings each took about 60 bytes and a
 * visit from the garbage collector. Here an id of n Latin-1 characters takes n + 1 bytes of text
 * plus a slot of 5 bytes (where its text is, and 8 bits of its hash that a lookup compares before it
 * reads any text), about 25 bytes for a 12-character id.
 *
 * The text is written in pages that are never moved or copied once written: growing leaves no
 * garbage, and a copy shares every page but the one still being written.
 *
 * Read-only to everyone but the recipes that add to it; frozen (Object.freeze) wherever a state is
 * handed out, and then `add` refuses, as a frozen Set does.
 */

import { isIterable } from './codec.js';
import { FNV_OFFSET, fnv1a, fnvStep } from './hash.js';

const MAX_INLINE_LENGTH = 128;
/** Header byte of a stored id: its length - 1, plus WIDE when it is stored as UTF-16 code units. */
const WIDE = 0x80;
/**
 * Pages double from the first size to PAGE_SPAN, which is then kept; an id's place is its page's
 * index * PAGE_SPAN + its offset in the page. The first page holds any id (257 bytes at most).
 */
const FIRST_PAGE_BYTES = 512;
const PAGE_SPAN = 4096;
/** A slot holds the place of its id's text plus one: 0 is an empty slot. */
const EMPTY = 0;
const MAX_LOAD = 0.75;
/** What an id kept in the Set of others weighs: its entry and a short string. */
const OTHER_BYTES = 64;
const INITIAL_SLOTS = 16;

// FNV-1a over the code units with a final mix: the low bits pick the slot, the top 8 are its tag.
const mixed = (hash: number): number => {
  const h = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
};
const hashOf = (id: string): number => mixed(fnv1a(id));
const tagOf = (hash: number): number => hash >>> 24;

/** The i-th code unit of the id whose text starts at `at` of a page. */
const unitAt = (page: Uint8Array, at: number, wide: boolean, i: number): number =>
  wide
    ? (page[at + 1 + 2 * i] as number) | ((page[at + 2 + 2 * i] as number) << 8)
    : (page[at + 1 + i] as number);
const lengthAt = (page: Uint8Array, at: number): number => ((page[at] as number) & ~WIDE) + 1;
const isWideAt = (page: Uint8Array, at: number): boolean => ((page[at] as number) & WIDE) !== 0;
const bytesAt = (page: Uint8Array, at: number): number =>
  1 + (isWideAt(page, at) ? 2 : 1) * lengthAt(page, at);

const isLatin1 = (id: string): boolean => {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false;
  return true;
};

export class IdSet implements Iterable<string> {
  #size = 0;
  /** Per slot: the place of its id's text plus one (EMPTY for none), and the tag of the id's hash. */
  #places: Uint32Array;
  #tags: Uint8Array;
  /** The ids, one after the other in each page: a header byte, then one byte (Latin-1) or two (UTF-16) per unit. */
  #pages: Uint8Array[] = [];
  /** How many bytes of each page hold ids. */
  #used: number[] = [];
  /** The bytes of all pages together, written or not. */
  #pageBytes = 0;
  /** Anything that is not an id of at most 128 characters (fold takes what it is given). */
  #others: Set<unknown> | undefined;

  /** A set of these ids (anything but an iterable gives an empty set). */
  constructor(ids: Iterable<string> = []) {
    this.#places = new Uint32Array(INITIAL_SLOTS);
    this.#tags = new Uint8Array(INITIAL_SLOTS);
    if (isIterable(ids)) for (const id of ids) this.add(id as string);
  }

  get size(): number {
    return this.#size + (this.#others?.size ?? 0);
  }

  has(id: unknown): boolean {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_INLINE_LENGTH)
      return this.#others?.has(id) ?? false;
    return this.#slotOf(id, hashOf(id)) >= 0;
  }

  /**
   * The bytes its arrays take (pages, slots, tags, the page index): a cache weighs a state by it. An id
   * that is not an ordinary one is kept in a Set and counted as a Set entry of a short string.
   */
  get byteLength(): number {
    return (
      this.#pageBytes +
      this.#places.byteLength +
      this.#tags.byteLength +
      8 * this.#used.length +
      OTHER_BYTES * (this.#others?.size ?? 0)
    );
  }

  /** Adds an id; false if it was there already. Throws on a frozen set, as a frozen Set does. */
  add(id: string): boolean {
    if (Object.isFrozen(this)) throw new TypeError('Cannot add to a frozen IdSet');
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_INLINE_LENGTH) {
      const others = (this.#others ??= new Set());
      const before = others.size;
      return others.add(id).size !== before;
    }
    const hash = hashOf(id);
    let slot = this.#slotOf(id, hash);
    if (slot >= 0) return false;
    if ((this.#size + 1) / this.#places.length > MAX_LOAD) {
      this.#rehash(this.#places.length * 2);
      slot = this.#slotOf(id, hash);
    }
    const at = ~slot;
    this.#places[at] = this.#append(id) + 1;
    this.#tags[at] = tagOf(hash);
    this.#size += 1;
    return true;
  }

  /** A copy that can be added to, whether or not this one is frozen. */
  copy(): IdSet {
    const copy = new IdSet();
    copy.#size = this.#size;
    copy.#places = this.#places.slice();
    copy.#tags = this.#tags.slice();
    // Pages before the last are never written again: both sets can read them.
    copy.#pages = this.#pages.map((page, i) => (i === this.#pages.length - 1 ? page.slice() : page));
    copy.#used = [...this.#used];
    copy.#pageBytes = this.#pageBytes;
    if (this.#others !== undefined) copy.#others = new Set(this.#others);
    return copy;
  }

  /** The ids in the order they were added (any that are not ordinary ids come last). */
  *keys(): IterableIterator<string> {
    for (const [index, page] of this.#pages.entries())
      for (let at = 0; at < (this.#used[index] as number); at += bytesAt(page, at)) {
        const wide = isWideAt(page, at);
        let id = '';
        for (let i = 0, length = lengthAt(page, at); i < length; i++)
          id += String.fromCharCode(unitAt(page, at, wide, i));
        yield id;
      }
    if (this.#others !== undefined) yield* this.#others as Set<string>;
  }

  values(): IterableIterator<string> {
    return this.keys();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  /** The slot holding `id`, or the one's complement of the empty slot where it would go. */
  #slotOf(id: string, hash: number): number {
    const places = this.#places;
    const tags = this.#tags;
    const tag = tagOf(hash);
    const mask = places.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const place = places[slot] as number;
      if (place === EMPTY) return ~slot;
      if (tags[slot] === tag && this.#textEquals(place - 1, id)) return slot;
    }
  }

  #textEquals(place: number, id: string): boolean {
    const page = this.#pages[Math.floor(place / PAGE_SPAN)] as Uint8Array;
    const at = place % PAGE_SPAN;
    if (lengthAt(page, at) !== id.length) return false;
    const wide = isWideAt(page, at);
    for (let i = 0; i < id.length; i++) if (unitAt(page, at, wide, i) !== id.charCodeAt(i)) return false;
    return true;
  }

  /** Writes an id after the last, in a new page if it does not fit; answers its place. */
  #append(id: string): number {
    const wide = !isLatin1(id);
    const bytes = 1 + (wide ? 2 : 1) * id.length;
    let index = this.#pages.length - 1;
    const last = this.#pages[index];
    if (last === undefined || (this.#used[index] as number) + bytes > last.length) {
      const page = new Uint8Array(
        last === undefined ? FIRST_PAGE_BYTES : Math.min(last.length * 2, PAGE_SPAN),
      );
      this.#pages.push(page);
      this.#pageBytes += page.length;
      this.#used.push(0);
      index += 1;
    }
    const page = this.#pages[index] as Uint8Array;
    const at = this.#used[index] as number;
    page[at] = (id.length - 1) | (wide ? WIDE : 0);
    if (wide)
      for (let i = 0; i < id.length; i++) {
        const unit = id.charCodeAt(i);
        page[at + 1 + 2 * i] = unit & 0xff;
        page[at + 2 + 2 * i] = unit >>> 8;
      }
    else for (let i = 0; i < id.length; i++) page[at + 1 + i] = id.charCodeAt(i);
    this.#used[index] = at + bytes;
    return index * PAGE_SPAN + at;
  }

  /** Places every id again, in a table of `slots`: the text is read in order, each id's hash computed anew. */
  #rehash(slots: number): void {
    const places = new Uint32Array(slots);
    const tags = new Uint8Array(slots);
    const mask = slots - 1;
    for (const [index, page] of this.#pages.entries())
      for (let at = 0; at < (this.#used[index] as number); at += bytesAt(page, at)) {
        const wide = isWideAt(page, at);
        let hash = FNV_OFFSET;
        for (let i = 0, length = lengthAt(page, at); i < length; i++)
          hash = fnvStep(hash, unitAt(page, at, wide, i));
        hash = mixed(hash);
        let slot = hash & mask;
        while (places[slot] !== EMPTY) slot = (slot + 1) & mask;
        places[slot] = index * PAGE_SPAN + at + 1;
        tags[slot] = tagOf(hash);
      }
    this.#places = places;
    this.#tags = tags;
  }
}

/** What a state hands out: an IdSet to read (and copy), not to add to. */
export type ReadonlyIdSet = Omit<IdSet, 'add'>;
