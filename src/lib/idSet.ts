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
/** The last of a store whose table another store took (see unborrowed): no set's last. */
const TAKEN = -1;
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
  /**
   * Whose bytes its table and pages are: its own; or views of bytes that are not (a file's, see
   * `inPlace`), never written, whose table and last page are copied before the first id is added;
   * or views whose owner gave their table up to be written in place, whose last page alone is
   * copied before the first id is added (the table goes to the store added to).
   */
  bytes: 'own' | 'borrowed' | 'table given';
};

const emptyStore = (): Store => ({
  places: new Uint32Array(INITIAL_SLOTS),
  tags: new Uint8Array(INITIAL_SLOTS),
  pages: [],
  used: [],
  count: 0,
  last: EMPTY,
  pageBytes: 0,
  bytes: 'own',
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

  /** A set of these ids (anything but an iterable gives an empty set). */
  constructor(ids: Iterable<string> = []) {
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
    if (this.#slotOf(id, hash) >= 0) return false;
    if (this.#store.last !== this.#last || this.#store === NO_STORE) this.#store = this.#ownStore();
    else if (this.#store.bytes !== 'own') this.#store = unborrowed(this.#store);
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

  /**
   * Its ordinary ids as they are stored, to be written and read back in place (see `inPlace`): the
   * pages of text up to its last id, the bytes of each page that hold ids, and the table of slots
   * (per slot the place of its id's text plus one, 0 for none, and the top 8 bits of the id's hash).
   * The arrays may be the set's own: read them, do not change them. The ids that are not ordinary
   * ones are not in it, as they are not in `packed`.
   */
  inPlaceParts(): InPlaceIds {
    if (this.#last === EMPTY)
      return { count: 0, last: EMPTY, pages: [], places: new Uint32Array(0), tags: new Uint8Array(0) };
    // A set that sees only some of its store's ids: a store of those alone.
    const store = this.#store.last === this.#last ? this.#store : this.#ownStore();
    const pages = store.pages.map((page, index) => page.subarray(0, store.used[index] as number));
    return { count: this.#size, last: this.#last, pages, places: store.places, tags: store.tags };
  }

  /**
   * The set of ids stored as `inPlaceParts` gave them, reading its pages and table where they are,
   * without copying them or hashing an id again (they are copied when an id is first added); or why
   * they are not such a set. What is checked is what keeps a reader from looping or reading past
   * the pages: a table whose size is a power of two, with an empty slot, and whose slots count the
   * ids and each point at the start of one; pages that hold exactly `count` whole ids; and a last id
   * that ends its last page. Not the ids' text, nor
   * whether each id sits in the slot its hash leads to: bytes from outside must be checked for that
   * before (a file's checksum), else `has` may answer wrongly.
   *
   * With `tableGiven`, the caller gives the table's bytes up to the set: the first id added writes
   * in them, not in a copy, so they must not be read for anything else afterwards (nor written out
   * as they were). The pages are never written either way.
   */
  static inPlace(
    ids: InPlaceIds,
    { tableGiven = false }: { readonly tableGiven?: boolean } = {},
  ): IdSet | string {
    const { count, last, pages, places, tags } = ids;
    const set = new IdSet();
    if (count === 0)
      return last === EMPTY && pages.length === 0 ? set : 'hold no ids, yet pages or a last id';
    const slots = places.length;
    if (slots < INITIAL_SLOTS || (slots & (slots - 1)) !== 0 || tags.length !== slots)
      return `have a table of ${slots} slots and ${tags.length} tags: a power of two from ${INITIAL_SLOTS}, the same for both, was expected`;
    if (count >= slots) return `count ${count} ids in a table of ${slots} slots: one at least must be empty`;
    let pageBytes = 0;
    for (const [index, page] of pages.entries()) {
      if (page.length === 0 || page.length > PAGE_SPAN)
        return `have a page (${index + 1}) of ${page.length} bytes, not 1 to ${PAGE_SPAN}`;
      pageBytes += page.length;
    }
    const lastPage = pages[pages.length - 1];
    const lastAt = (last - 1) % PAGE_SPAN;
    if (
      lastPage === undefined ||
      Math.floor((last - 1) / PAGE_SPAN) !== pages.length - 1 ||
      lastAt + bytesAt(lastPage, lastAt) !== lastPage.length
    )
      return `have a last id (at ${last - 1}) that does not end their last page`;
    // Where each id starts: a set that holds more ids than its count would overfill its table when
    // it grows (every id of the pages is placed again), and a rehash of a full table never ends.
    // A bit a byte of the pages laid end to end (not a bit a byte of each page's span): a file of
    // many short pages costs no more than its bytes.
    const pageStarts = new Float64Array(pages.length);
    const starts = new Uint8Array(Math.ceil(pageBytes / 8));
    let stored = 0;
    for (let index = 0, bit = 0; index < pages.length; index++) {
      const page = pages[index] as Uint8Array;
      pageStarts[index] = bit;
      let at = 0;
      for (; at < page.length; at += bytesAt(page, at)) {
        const start = bit + at;
        const byte = Math.floor(start / 8);
        starts[byte] = (starts[byte] as number) | (1 << (start % 8));
        stored += 1;
      }
      if (at !== page.length) return `have a page (${index + 1}) whose last id runs past its end`;
      bit += page.length;
    }
    if (stored !== count) return `count ${count} ids, and their pages hold ${stored}`;
    let filled = 0;
    for (let slot = 0; slot < slots; slot++) {
      const value = places[slot] as number;
      if (value === EMPTY) continue;
      filled += 1;
      const place = value - 1;
      const index = Math.floor(place / PAGE_SPAN);
      const at = place - index * PAGE_SPAN;
      const start = (pageStarts[index] ?? 0) + at;
      if (
        value > last ||
        index >= pages.length ||
        at >= (pages[index] as Uint8Array).length ||
        ((starts[Math.floor(start / 8)] as number) & (1 << (start % 8))) === 0
      )
        return `have a slot (${slot}) that points outside their pages`;
    }
    if (filled !== count) return `count ${count} ids, and their table holds ${filled}`;
    set.#store = {
      places,
      tags,
      pages: [...pages],
      used: pages.map((page) => page.length),
      count,
      last,
      pageBytes,
      bytes: tableGiven ? 'table given' : 'borrowed',
    };
    set.#last = last;
    set.#size = count;
    return set;
  }

  /** The ids in the order they were added (any that are not ordinary ids come last). */
  *keys(): IterableIterator<string> {
    for (const [page, at] of entries(this.#store, this.#last)) {
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

function textEquals(pages: readonly Uint8Array[], place: number, id: string): boolean {
  const page = pages[Math.floor(place / PAGE_SPAN)] as Uint8Array;
  const at = place % PAGE_SPAN;
  if (lengthAt(page, at) !== id.length) return false;
  const wide = isWideAt(page, at);
  for (let i = 0; i < id.length; i++) if (unitAt(page, at, wide, i) !== id.charCodeAt(i)) return false;
  return true;
}

const isControl = (unit: number): boolean => unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** What is wrong with the stored id at `at` of packed bytes (the rule of isStorableText, on its units), if anything. */
function storedIdProblem(bytes: Uint8Array, at: number): string | undefined {
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

/**
 * A store of a borrowed store's ids, to add to: its last page copied (to the size it would have had,
 * for ids to go on in it), the pages before shared, and its table copied, or taken if it was given.
 * A store whose table is taken is left with a last that no set's is: its table will hold ids after
 * any set's last, so a set of it makes a store of its own before it adds or hands its parts out, as
 * when another set added to a store it shares.
 */
function unborrowed(store: Store): Store {
  const pages = store.pages.slice();
  const index = pages.length - 1;
  const last = pages[index] as Uint8Array;
  const page = pageCopy(last, index);
  pages[index] = page;
  const given = store.bytes === 'table given';
  const unborrowed: Store = {
    places: given ? store.places : store.places.slice(),
    // A copy whatever the array is: a Buffer's slice would share its bytes.
    tags: given ? store.tags : new Uint8Array(store.tags),
    pages,
    used: store.used.slice(),
    count: store.count,
    last: store.last,
    pageBytes: store.pageBytes - last.length + page.length,
    bytes: 'own',
  };
  if (given) {
    store.bytes = 'borrowed';
    store.last = TAKEN;
  }
  return unborrowed;
}

/** Writes an id after the store's last, in a new page if it does not fit; answers its place. */
function append(store: Store, id: string): number {
  const { pages, used } = store;
  const wide = !isLatin1(id);
  const bytes = 1 + (wide ? 2 : 1) * id.length;
  const index = pageFor(store, bytes);
  const page = pages[index] as Uint8Array;
  const at = used[index] as number;
  page[at] = (id.length - 1) | (wide ? WIDE : 0);
  if (wide)
    for (let i = 0; i < id.length; i++) {
      const unit = id.charCodeAt(i);
      page[at + 1 + 2 * i] = unit & 0xff;
      page[at + 2 + 2 * i] = unit >>> 8;
    }
  else for (let i = 0; i < id.length; i++) page[at + 1 + i] = id.charCodeAt(i);
  used[index] = at + bytes;
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
      const wide = isWideAt(page, at);
      const length = lengthAt(page, at);
      let hash = FNV_OFFSET;
      for (let i = 0; i < length; i++) hash = fnvStep(hash, unitAt(page, at, wide, i));
      hash = mixed(hash);
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
      at += 1 + (wide ? 2 : 1) * length;
    }
  }
  store.places = places;
  store.tags = tags;
  return undefined;
}

/**
 * A set's ids as they are stored (see IdSet.inPlaceParts): how many, the slot value of the last (its
 * place plus one), the pages of text (each as many bytes as hold ids), and the table of slots.
 */
export type InPlaceIds = {
  readonly count: number;
  readonly last: number;
  readonly pages: readonly Uint8Array[];
  readonly places: Uint32Array;
  readonly tags: Uint8Array;
};

/** What a state hands out: an IdSet to read (and copy), not to add to. */
export type ReadonlyIdSet = Omit<IdSet, 'add'>;
