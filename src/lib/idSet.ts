/**
 * A set of ids kept in typed arrays rather than as strings on the heap: a partner's usage ids are by
 * far the most of what the rules remember, and as a Set of strings each took about 60 bytes and a
 * visit from the garbage collector. Here an id of n Latin-1 characters takes n + 1 bytes of text
 * plus a slot of 5 bytes (where its text is, and 8 bits of its hash that a lookup compares before it
 * reads any text), about 25 bytes for a 12-character id.
 *
 * The text is written in pages that are never moved or copied once written: growing leaves no
 * garbage. The pages and the slot table are a store that ids are only ever appended to, and that a
 * set shares with its copies: each set sees the ids up to its own last one (a slot's place grows with
 * the order ids were added in), so a copy costs the same however many ids it holds, and adding to it
 * writes after its last id in place. Only a set whose store another set has added to since (a second
 * copy of the same set, or the original after a copy) gets a store of its own, on its first add.
 *
 * A set may be made over ids kept elsewhere (see `over`: a resume file's), which it asks about as it
 * is asked, and adds to in its own store: ids kept elsewhere are never read in whole to add a few.
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
/** The hash of an id that a set and the ids below it look it up by. */
export const idHash = (id: string): number => mixed(fnv1a(id));
const hashOf = idHash;
const tagOf = (hash: number): number => hash >>> 24;

/**
 * Ids kept elsewhere that a set is made over (see IdSet.over): never changed while a set is over
 * them. `has` is asked only of ordinary ids (strings of 1 to 128 characters), with their idHash.
 */
export type IdsBelow = {
  readonly size: number;
  /** The bytes of memory they take, as IdSet.byteLength counts a set's. */
  readonly byteLength: number;
  has(id: string, hash: number): boolean;
  /** Each id, once. */
  keys(): Iterable<string>;
};

/** The i-th code unit of the id whose text starts at `at` of a page. */
const unitAt = (page: Uint8Array, at: number, wide: boolean, i: number): number =>
  wide
    ? (page[at + 1 + 2 * i] as number) | ((page[at + 2 + 2 * i] as number) << 8)
    : (page[at + 1 + i] as number);
const lengthAt = (page: Uint8Array, at: number): number => ((page[at] as number) & ~WIDE) + 1;
const isWideAt = (page: Uint8Array, at: number): boolean => ((page[at] as number) & WIDE) !== 0;
const bytesAt = (page: Uint8Array, at: number): number =>
  1 + (isWideAt(page, at) ? 2 : 1) * lengthAt(page, at);

/** The id stored at `at` of a page (see `packed`). */
export function storedIdText(page: Uint8Array, at: number): string {
  const wide = isWideAt(page, at);
  let id = '';
  for (let i = 0, length = lengthAt(page, at); i < length; i++)
    id += String.fromCharCode(unitAt(page, at, wide, i));
  return id;
}

/** How many bytes the id stored at `at` of a page takes (see `packed`): its header byte's count. */
export const storedIdBytes = bytesAt;

/** The idHash of the id stored at `at` of a page, from its stored units. */
export function storedIdHash(page: Uint8Array, at: number): number {
  const wide = isWideAt(page, at);
  let hash = FNV_OFFSET;
  for (let i = 0, length = lengthAt(page, at); i < length; i++)
    hash = fnvStep(hash, unitAt(page, at, wide, i));
  return mixed(hash);
}

/** Whether the id stored at `at` of a page is `id`. */
export function storedIdEquals(page: Uint8Array, at: number, id: string): boolean {
  if (lengthAt(page, at) !== id.length) return false;
  const wide = isWideAt(page, at);
  for (let i = 0; i < id.length; i++) if (unitAt(page, at, wide, i) !== id.charCodeAt(i)) return false;
  return true;
}

/** How many bytes an ordinary id takes stored (see `packed`). */
export const storedLengthOf = (id: string): number => 1 + (isLatin1(id) ? 1 : 2) * id.length;

/** Writes an ordinary id at `at` of a page as it is stored (see `packed`); answers the bytes written. */
export function storeId(page: Uint8Array, at: number, id: string): number {
  const wide = !isLatin1(id);
  page[at] = (id.length - 1) | (wide ? WIDE : 0);
  if (wide)
    for (let i = 0; i < id.length; i++) {
      const unit = id.charCodeAt(i);
      page[at + 1 + 2 * i] = unit & 0xff;
      page[at + 2 + 2 * i] = unit >>> 8;
    }
  else for (let i = 0; i < id.length; i++) page[at + 1 + i] = id.charCodeAt(i);
  return 1 + (wide ? 2 : 1) * id.length;
}

const isLatin1 = (id: string): boolean => {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false;
  return true;
};

/**
 * The ids of a set and of its copies, in the order they were added: pages of text, and a table of
 * slots over every id in the pages. Only ever appended to, by the set whose last id is the store's last.
 */
type Store = {
  /** Per slot: the place of its id's text plus one (EMPTY for none), and the tag of the id's hash. */
  places: Uint32Array;
  tags: Uint8Array;
  /** The ids, one after the other in each page: a header byte, then one byte (Latin-1) or two (UTF-16) per unit. */
  pages: Uint8Array[];
  /** How many bytes of each page hold ids. */
  used: number[];
  /** How many ids the pages hold, and the slot value (place plus one) of the last. */
  count: number;
  last: number;
  /** The bytes of the pages, kept as they are added: a cache weighs a state by them on every command. */
  pageBytes: number;
};

const emptyStore = (): Store => ({
  places: new Uint32Array(INITIAL_SLOTS),
  tags: new Uint8Array(INITIAL_SLOTS),
  pages: [],
  used: [],
  count: 0,
  last: EMPTY,
  pageBytes: 0,
});

/** The store of every set that has no ids of its own yet: never written (the first add gives a set a store of its own). */
const NO_STORE: Store = Object.freeze(emptyStore());

export class IdSet implements Iterable<string> {
  #size = 0;
  #store: Store = NO_STORE;
  /** The slot value of this set's last id (EMPTY for none): the ids of the store up to it are this set's. */
  #last = EMPTY;
  /** Anything that is not an id of at most 128 characters (fold takes what it is given). */
  #others: Set<unknown> | undefined;
  /** The ids kept elsewhere that this set holds too (none of them in its own store). */
  #below: IdsBelow | undefined;

  /** A set of these ids (anything but an iterable gives an empty set). */
  constructor(ids: Iterable<string> = []) {
    if (isIterable(ids)) for (const id of ids) this.add(id as string);
  }

  /** A set of the ids kept elsewhere, which it reads only as it is asked about them, and adds to in a store of its own. */
  static over(below: IdsBelow): IdSet {
    const set = new IdSet();
    set.#below = below;
    return set;
  }

  /** The ids kept elsewhere that it was made over (shared with its copies), if any. */
  get below(): IdsBelow | undefined {
    return this.#below;
  }

  /** Its ordinary ids that are not below it, in the order they were added. */
  *ownKeys(): IterableIterator<string> {
    for (const [page, at] of entries(this.#store, this.#last)) yield storedIdText(page, at);
  }

  get size(): number {
    return this.#size + (this.#others?.size ?? 0) + (this.#below?.size ?? 0);
  }

  has(id: unknown): boolean {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_INLINE_LENGTH)
      return this.#others?.has(id) ?? false;
    const hash = hashOf(id);
    return this.#slotOf(id, hash) >= 0 || (this.#below?.has(id, hash) ?? false);
  }

  /**
   * The bytes its store's arrays take (pages, slots, tags, the page index), which it shares with its
   * copies: a cache weighs a state by it. An id that is not an ordinary one is kept in a Set and
   * counted as a Set entry of a short string.
   */
  get byteLength(): number {
    const { pageBytes, places, tags, used } = this.#store;
    return (
      pageBytes +
      places.byteLength +
      tags.byteLength +
      8 * used.length +
      OTHER_BYTES * (this.#others?.size ?? 0) +
      (this.#below?.byteLength ?? 0)
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
    if (this.#slotOf(id, hash) >= 0 || this.#below?.has(id, hash) === true) return false;
    if (this.#store.last !== this.#last || this.#store === NO_STORE) this.#store = this.#ownStore();
    const store = this.#store;
    if ((store.count + 1) / store.places.length > MAX_LOAD) rehash(store, store.places.length * 2);
    // The first empty slot of the id's chain: slots of ids this set does not see are passed over too.
    const mask = store.places.length - 1;
    let slot = hash & mask;
    while (store.places[slot] !== EMPTY) slot = (slot + 1) & mask;
    const value = append(store, id) + 1;
    store.places[slot] = value;
    store.tags[slot] = tagOf(hash);
    store.count += 1;
    store.last = value;
    this.#last = value;
    this.#size += 1;
    return true;
  }

  /**
   * A copy that can be added to, whether or not this one is frozen. It shares this set's store (an
   * empty set's copy starts a store of its own, so that a shared empty set keeps no one's ids).
   */
  copy(): IdSet {
    const copy = new IdSet();
    if (this.#last !== EMPTY) {
      copy.#store = this.#store;
      copy.#last = this.#last;
      copy.#size = this.#size;
    }
    if (this.#others !== undefined) copy.#others = new Set(this.#others);
    copy.#below = this.#below;
    return copy;
  }

  /**
   * A store of this set's ids alone, for a set whose store has ids after its last: the pages before
   * its last are shared (never written again), its last is copied up to its last id, and the table
   * is made anew, sized for the ids it holds.
   */
  #ownStore(): Store {
    const store = emptyStore();
    if (this.#last === EMPTY) return store;
    const place = this.#last - 1;
    const lastPage = Math.floor(place / PAGE_SPAN);
    const { pages, used } = this.#store;
    for (let index = 0; index < lastPage; index++) {
      store.pages.push(pages[index] as Uint8Array);
      store.used.push(used[index] as number);
      store.pageBytes += (pages[index] as Uint8Array).length;
    }
    const page = pages[lastPage] as Uint8Array;
    const end = (place % PAGE_SPAN) + bytesAt(page, place % PAGE_SPAN);
    const copy = pageCopy(page, lastPage);
    store.pages.push(copy);
    store.pageBytes += copy.length;
    store.used.push(end);
    store.count = this.#size;
    store.last = this.#last;
    let slots = INITIAL_SLOTS;
    while (this.#size / slots > MAX_LOAD) slots *= 2;
    rehash(store, slots);
    return store;
  }

  /**
   * Its ordinary ids (strings of 1 to 128 characters) as their stored text, one after the other in
   * the order they were added: per id a header byte (its length - 1, plus 0x80 when it is kept as
   * UTF-16 code units, little-endian, which it is when one of its units is above 0xff), then one byte
   * or two per unit. What `unpack` takes back; the ids that are not ordinary ones are not in it.
   */
  packed(): Uint8Array {
    // Ids kept elsewhere are read whole only here, for a snapshot of the set.
    if (this.#below !== undefined) return new IdSet(this.keys()).packed();
    const parts: Uint8Array[] = [];
    let total = 0;
    const { pages, used } = this.#store;
    const last = this.#last;
    for (let index = 0; index < pages.length && index * PAGE_SPAN < last; index++) {
      const page = pages[index] as Uint8Array;
      let end = used[index] as number;
      if ((index + 1) * PAGE_SPAN >= last) {
        const at = (last - 1) % PAGE_SPAN;
        end = at + bytesAt(page, at);
      }
      parts.push(page.subarray(0, end));
      total += end;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /**
   * The set of the ids `packed` wrote, or why the bytes are not such ids: a header past the end, an id
   * kept wide whose units all fit a byte, a unit that is a control character or half a surrogate pair
   * (the ids of a state are storable text, see isStorableText), or an id given twice.
   */
  static unpack(bytes: Uint8Array): IdSet | string {
    let count = 0;
    for (let at = 0; at < bytes.length; at += bytesAt(bytes, at)) {
      const problem = storedIdProblem(bytes, at);
      if (problem !== undefined) return `id ${count + 1} (byte ${at}) ${problem}`;
      count += 1;
    }
    const set = new IdSet();
    const store = emptyStore();
    set.#store = store;
    // Whole ids to a page, each page copied at once.
    for (let start = 0; start < bytes.length;) {
      let end = start;
      let last = start;
      while (end < bytes.length && end - start + bytesAt(bytes, end) <= PAGE_SPAN) {
        last = end;
        end += bytesAt(bytes, end);
      }
      let size = FIRST_PAGE_BYTES;
      while (size < end - start) size *= 2;
      const page = new Uint8Array(Math.min(size, PAGE_SPAN));
      page.set(bytes.subarray(start, end));
      store.pages.push(page);
      store.pageBytes += page.length;
      store.used.push(end - start);
      store.last = (store.pages.length - 1) * PAGE_SPAN + (last - start) + 1;
      start = end;
    }
    store.count = count;
    let slots = INITIAL_SLOTS;
    while (count / slots > MAX_LOAD) slots *= 2;
    const duplicate = rehash(store, slots, true);
    if (duplicate !== undefined) return `id ${duplicate} is given twice`;
    set.#last = store.last;
    set.#size = count;
    return set;
  }

  /** The ids in the order they were added (any that are not ordinary ids come last). */
  *keys(): IterableIterator<string> {
    if (this.#below !== undefined) yield* this.#below.keys();
    yield* this.ownKeys();
    if (this.#others !== undefined) yield* this.#others as Set<string>;
  }

  values(): IterableIterator<string> {
    return this.keys();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }

  /** The slot holding `id` among this set's ids, or the one's complement of the empty slot that ends its chain. */
  #slotOf(id: string, hash: number): number {
    const { places, tags, pages } = this.#store;
    const last = this.#last;
    const tag = tagOf(hash);
    const mask = places.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const place = places[slot] as number;
      if (place === EMPTY) return ~slot;
      if (place <= last && tags[slot] === tag && textEquals(pages, place - 1, id)) return slot;
    }
  }
}

/** Each id of the store up to the one whose slot value is `last`: its page, where in the page it starts, and its slot value. */
function* entries(store: Store, last: number): IterableIterator<readonly [Uint8Array, number, number]> {
  for (const [index, page] of store.pages.entries())
    for (let at = 0; at < (store.used[index] as number); at += bytesAt(page, at)) {
      const value = index * PAGE_SPAN + at + 1;
      if (value > last) return;
      yield [page, at, value];
    }
}

const textEquals = (pages: readonly Uint8Array[], place: number, id: string): boolean =>
  storedIdEquals(pages[Math.floor(place / PAGE_SPAN)] as Uint8Array, place % PAGE_SPAN, id);

const isControl = (unit: number): boolean => unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** What is wrong with the stored id at `at` of packed bytes (the rule of isStorableText, on its units), if anything. */
export function storedIdProblem(bytes: Uint8Array, at: number): string | undefined {
  const length = lengthAt(bytes, at);
  const wide = isWideAt(bytes, at);
  if (at + bytesAt(bytes, at) > bytes.length) return 'runs past the end of the bytes';
  // A byte per unit: no unit of it can be half a surrogate pair, so only control characters are looked for.
  if (!wide) {
    for (let i = at + 1; i <= at + length; i++)
      if (isControl(bytes[i] as number)) return 'holds a control character';
    return undefined;
  }
  let widest = 0;
  for (let i = 0; i < length; i++) {
    const unit = unitAt(bytes, at, wide, i);
    widest = Math.max(widest, unit);
    if (isControl(unit)) return 'holds a control character';
    if (isLow(unit) && !(i > 0 && isHigh(unitAt(bytes, at, wide, i - 1))))
      return 'holds half a surrogate pair';
    if (isHigh(unit) && !(i + 1 < length && isLow(unitAt(bytes, at, wide, i + 1))))
      return 'holds half a surrogate pair';
  }
  if (wide && widest <= 0xff) return 'is kept as UTF-16 though every unit fits a byte';
  return undefined;
}

/** Whether the ids stored at two places are the same (one id has one stored form). */
function storedEqual(pages: readonly Uint8Array[], a: number, b: number): boolean {
  const pageA = pages[Math.floor(a / PAGE_SPAN)] as Uint8Array;
  const pageB = pages[Math.floor(b / PAGE_SPAN)] as Uint8Array;
  const atA = a % PAGE_SPAN;
  const atB = b % PAGE_SPAN;
  const length = bytesAt(pageA, atA);
  if (bytesAt(pageB, atB) !== length) return false;
  for (let i = 0; i < length; i++) if (pageA[atA + i] !== pageB[atB + i]) return false;
  return true;
}

/**
 * A copy of the page at an index, for ids to go on in it: of the size a page there would have had
 * (a page read in place is only as long as its ids). A copy whatever the array is: a Buffer's slice
 * would share its bytes.
 */
function pageCopy(page: Uint8Array, index: number): Uint8Array {
  let size = FIRST_PAGE_BYTES << Math.min(index, Math.log2(PAGE_SPAN / FIRST_PAGE_BYTES));
  while (size < page.length) size *= 2;
  const copy = new Uint8Array(Math.min(size, PAGE_SPAN));
  copy.set(page);
  return copy;
}

/** Writes an id after the store's last, in a new page if it does not fit; answers its place. */
function append(store: Store, id: string): number {
  const { pages, used } = store;
  const index = pageFor(store, storedLengthOf(id));
  const at = used[index] as number;
  used[index] = at + storeId(pages[index] as Uint8Array, at, id);
  return index * PAGE_SPAN + at;
}

/** The index of the page the next id of `bytes` goes in: the last, or a new one if it does not fit. */
function pageFor(store: Store, bytes: number): number {
  const { pages, used } = store;
  const index = pages.length - 1;
  const last = pages[index];
  if (last !== undefined && (used[index] as number) + bytes <= last.length) return index;
  const page = new Uint8Array(last === undefined ? FIRST_PAGE_BYTES : Math.min(last.length * 2, PAGE_SPAN));
  pages.push(page);
  used.push(0);
  store.pageBytes += page.length;
  return index + 1;
}

/**
 * Places every id of the store again, in a table of `slots`, in the order they were added: the text
 * is read in order, each id's hash computed anew. With `checkDuplicates`, answers the count of the
 * first id equal to one before it (the table is then left as it was). A set that sees only the ids up to some one finds
 * them where a table of those alone would have them, as an id's slot depends only on the ids before it.
 */
function rehash(store: Store, slots: number, checkDuplicates = false): number | undefined {
  const places = new Uint32Array(slots);
  const tags = new Uint8Array(slots);
  const mask = slots - 1;
  let count = 0;
  // A loop over the pages rather than over `entries`: a set taken back from a snapshot is placed
  // whole, and a generator's tuple per id was most of that work.
  const { pages, used } = store;
  for (let index = 0; index < pages.length; index++) {
    const page = pages[index] as Uint8Array;
    const end = used[index] as number;
    for (let at = 0; at < end;) {
      const value = index * PAGE_SPAN + at + 1;
      if (value > store.last) break;
      count += 1;
      const hash = storedIdHash(page, at);
      const tag = tagOf(hash);
      let slot = hash & mask;
      for (; places[slot] !== EMPTY; slot = (slot + 1) & mask)
        if (
          checkDuplicates &&
          tags[slot] === tag &&
          storedEqual(pages, (places[slot] as number) - 1, value - 1)
        )
          return count;
      places[slot] = value;
      tags[slot] = tag;
      at += bytesAt(page, at);
    }
  }
  store.places = places;
  store.tags = tags;
  return undefined;
}

/** What a state hands out: an IdSet to read (and copy), not to add to. */
export type ReadonlyIdSet = Omit<IdSet, 'add'>;
