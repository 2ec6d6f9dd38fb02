/**
 * A set of ids kept in typed arrays rather than as strings on the heap: a partner's usage ids are by
 * far the most of what the rules remember, and as a Set of strings each took about 60 bytes and a
 * visit from the garbage collector. Here an id of n Latin-1 characters takes n + 1 bytes of text
 * plus a slot of 5 bytes (its offset, and 8 bits of its hash that a lookup compares before it reads
 * any text), about 25 bytes for a 12-character id.
 *
 * Read-only to everyone but the recipes that add to it; frozen (Object.freeze) wherever a state is
 * handed out, and then `add` refuses, as a frozen Set does.
 */

import { isIterable } from './codec.js';

/** An offset of 0 is an empty slot: offsets are stored plus one. */
const EMPTY = 0;
const MAX_INLINE_LENGTH = 128;
/** Header byte of a stored id: its length - 1, plus WIDE when it is stored as UTF-16 code units. */
const WIDE = 0x80;
const MAX_LOAD = 0.75;
const INITIAL_SLOTS = 16;
const INITIAL_TEXT_BYTES = 128;
const TEXT_GROWTH = 2;

// FNV-1a over the code units with a final mix: the low bits pick the slot, the top 8 are its tag.
const FNV_OFFSET = 0x811c9dc5;
const fnv = (hash: number, unit: number): number => Math.imul(hash ^ unit, 0x01000193);
const mixed = (hash: number): number => {
  const h = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
};
function hashOf(id: string): number {
  // A rule asks `has`, then the event's recipe adds the same id: its hash is the one just computed.
  if (id === lastId) return lastHash;
  let hash = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) hash = fnv(hash, id.charCodeAt(i));
  lastId = id;
  lastHash = mixed(hash);
  return lastHash;
}
let lastId = '';
let lastHash = mixed(FNV_OFFSET);
const tagOf = (hash: number): number => hash >>> 24;

/** The i-th code unit of the id whose text starts at `at`. */
const unitAt = (text: Uint8Array, at: number, wide: boolean, i: number): number =>
  wide
    ? (text[at + 1 + 2 * i] as number) | ((text[at + 2 + 2 * i] as number) << 8)
    : (text[at + 1 + i] as number);
const lengthAt = (text: Uint8Array, at: number): number => ((text[at] as number) & ~WIDE) + 1;
const isWideAt = (text: Uint8Array, at: number): boolean => ((text[at] as number) & WIDE) !== 0;

const isLatin1 = (id: string): boolean => {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false;
  return true;
};

export class IdSet implements Iterable<string> {
  #size = 0;
  /** Per slot: where its id's text starts, plus one (EMPTY for none), and the tag of the id's hash. */
  #offsets: Uint32Array;
  #tags: Uint8Array;
  /** The ids, one after the other: a header byte, then one byte (Latin-1) or two (UTF-16) per unit. */
  #text: Uint8Array;
  #textLength = 0;
  /** Anything that is not an id of at most 128 characters (fold takes what it is given). */
  #others: Set<unknown> | undefined;

  /** A set of these ids (anything but an iterable gives an empty set). */
  constructor(ids: Iterable<string> = []) {
    this.#offsets = new Uint32Array(INITIAL_SLOTS);
    this.#tags = new Uint8Array(INITIAL_SLOTS);
    this.#text = new Uint8Array(INITIAL_TEXT_BYTES);
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
    if ((this.#size + 1) / this.#offsets.length > MAX_LOAD) {
      this.#rehash(this.#offsets.length * 2);
      slot = this.#slotOf(id, hash);
    }
    const at = ~slot;
    this.#offsets[at] = this.#append(id) + 1;
    this.#tags[at] = tagOf(hash);
    this.#size += 1;
    return true;
  }

  /** A copy that can be added to, whether or not this one is frozen. */
  copy(): IdSet {
    const copy = new IdSet();
    copy.#size = this.#size;
    copy.#offsets = this.#offsets.slice();
    copy.#tags = this.#tags.slice();
    copy.#text = this.#text.slice(0, Math.max(this.#textLength, 1));
    copy.#textLength = this.#textLength;
    if (this.#others !== undefined) copy.#others = new Set(this.#others);
    return copy;
  }

  /** The ids in the order they were added (any that are not ordinary ids come last). */
  *keys(): IterableIterator<string> {
    const text = this.#text;
    for (let at = 0; at < this.#textLength;) {
      const header = text[at] as number;
      const length = (header & ~WIDE) + 1;
      const wide = (header & WIDE) !== 0;
      let id = '';
      for (let i = 0; i < length; i++)
        id += String.fromCharCode(
          wide
            ? (text[at + 1 + 2 * i] as number) | ((text[at + 2 + 2 * i] as number) << 8)
            : (text[at + 1 + i] as number),
        );
      yield id;
      at += 1 + (wide ? 2 : 1) * length;
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
    const offsets = this.#offsets;
    const tags = this.#tags;
    const tag = tagOf(hash);
    const mask = offsets.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const offset = offsets[slot] as number;
      if (offset === EMPTY) return ~slot;
      if (tags[slot] === tag && this.#textEquals(offset - 1, id)) return slot;
    }
  }

  #textEquals(at: number, id: string): boolean {
    const text = this.#text;
    if (lengthAt(text, at) !== id.length) return false;
    const wide = isWideAt(text, at);
    for (let i = 0; i < id.length; i++) if (unitAt(text, at, wide, i) !== id.charCodeAt(i)) return false;
    return true;
  }

  /** Writes an id at the end of the text; answers where it starts. */
  #append(id: string): number {
    const wide = !isLatin1(id);
    const bytes = 1 + (wide ? 2 : 1) * id.length;
    const at = this.#textLength;
    if (at + bytes > this.#text.length) {
      const grown = new Uint8Array(Math.max(at + bytes, Math.ceil(this.#text.length * TEXT_GROWTH)));
      grown.set(this.#text.subarray(0, at));
      this.#text = grown;
    }
    const text = this.#text;
    text[at] = (id.length - 1) | (wide ? WIDE : 0);
    if (wide)
      for (let i = 0; i < id.length; i++) {
        const unit = id.charCodeAt(i);
        text[at + 1 + 2 * i] = unit & 0xff;
        text[at + 2 + 2 * i] = unit >>> 8;
      }
    else for (let i = 0; i < id.length; i++) text[at + 1 + i] = id.charCodeAt(i);
    this.#textLength = at + bytes;
    return at;
  }

  /** Places every id again, in a table of `slots`: the text is read in order, each id's hash computed anew. */
  #rehash(slots: number): void {
    const offsets = new Uint32Array(slots);
    const tags = new Uint8Array(slots);
    const text = this.#text;
    const mask = slots - 1;
    for (let at = 0; at < this.#textLength; at += 1 + (isWideAt(text, at) ? 2 : 1) * lengthAt(text, at)) {
      const hash = this.#hashAt(at);
      let slot = hash & mask;
      while (offsets[slot] !== EMPTY) slot = (slot + 1) & mask;
      offsets[slot] = at + 1;
      tags[slot] = tagOf(hash);
    }
    this.#offsets = offsets;
    this.#tags = tags;
  }

  /** hashOf the id whose text starts at `at`, read from the text. */
  #hashAt(at: number): number {
    const text = this.#text;
    const wide = isWideAt(text, at);
    let hash = FNV_OFFSET;
    for (let i = 0, length = lengthAt(text, at); i < length; i++) hash = fnv(hash, unitAt(text, at, wide, i));
    return mixed(hash);
  }
}

/** What a state hands out: an IdSet to read (and copy), not to add to. */
export type ReadonlyIdSet = Omit<IdSet, 'add'>;
