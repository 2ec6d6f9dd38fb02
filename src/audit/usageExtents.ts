import { crc32 } from 'node:zlib';
import {
  idHash,
  storedIdBytes,
  storedIdEquals,
  storedIdHash,
  storedIdProblem,
  storedIdText,
  storedLengthOf,
  storeId,
  type IdsBelow,
} from '../lib/idSet.js';

/**
 * A partner's usage ids in a resume file, as extents: each a hash table of some of its ids, written
 * once and never changed, so that a run adds a partner's new ids as one more small extent instead of
 * writing them all again, and looks an id up by reading a few bytes where they lie.
 *
 * An extent: how many ids (u32), how many slots (u32, a power of two from 16, at most half of them
 * used), a tag per slot (a byte: 0 for an empty slot, else 1 + the top bits of the id's hash modulo
 * 255), zero bytes to a multiple of 4, the start of each slot's record in the records (u32 per slot),
 * then the records: per id its idHash (u32) and the id as an IdSet stores it. Little-endian.
 *
 * A lookup reads the tags once (checked against the CRC-32 the file keeps of them), then a slot's
 * start and its record only where the tag is the id's: a record is checked to hash to the hash it
 * gives and to have its slot's tag, so that a damaged start or record that is read is found (but for
 * about one in 256 damaged starts), and never taken for an id it is not.
 */

/** Where an extent lies in the file, and what the file says of it (its ids, its slots, its tags' CRC-32). */
export type ExtentRef = {
  readonly at: number;
  readonly length: number;
  readonly count: number;
  readonly slots: number;
  readonly tagsCrc: number;
};

/** Reads `target.length` bytes of the file from `position`, or throws. */
export type ReadAt = (target: Buffer, position: number) => void;

/** Why a part of the file cannot be read as what it says it is; the reader throws what it throws. */
export type Corrupt = (problem: string) => never;

const WORD = 4;
const HEAD_BYTES = 2 * WORD;
const MAX_LOAD = 0.5;
const MIN_SLOTS = 16;
/** The most a record takes: its hash and an id of 128 UTF-16 units. */
const MAX_RECORD_BYTES = WORD + 1 + 2 * 128;

const padded = (length: number): number => length + ((WORD - (length % WORD)) % WORD);
const tagOf = (hash: number): number => 1 + ((hash >>> 24) % 255);
const slotsFor = (count: number): number => {
  let slots = MIN_SLOTS;
  while (count / slots > MAX_LOAD) slots *= 2;
  return slots;
};
const tagsEnd = (slots: number): number => HEAD_BYTES + padded(slots);

/**
 * Why what a file says of an extent cannot be one, if it cannot: a power of two of slots from 16, at
 * least one id and one empty slot, and room for its table and a record of 5 bytes at least per id.
 */
export function extentProblem({ count, slots, length }: ExtentRef): string | undefined {
  if (slots < MIN_SLOTS || slots > 2 ** 31 || (slots & (slots - 1)) !== 0 || count === 0 || count >= slots)
    return `an extent of ${count} ids in ${slots} slots`;
  if (tagsEnd(slots) + WORD * slots + 5 * count > length)
    return `an extent of ${length} bytes, too few for its ids`;
  return undefined;
}

/** An extent of these ids (ordinary ids, each once): its bytes, and what the file keeps of it but where it lies. */
export function extentOf(ids: readonly string[]): { bytes: Buffer; ref: Omit<ExtentRef, 'at'> } {
  const count = ids.length;
  const slots = slotsFor(count);
  const offsetsAt = tagsEnd(slots);
  const recordsAt = offsetsAt + WORD * slots;
  let recordBytes = 0;
  for (const id of ids) recordBytes += WORD + storedLengthOf(id);
  const bytes = Buffer.alloc(padded(recordsAt + recordBytes));
  bytes.writeUInt32LE(count, 0);
  bytes.writeUInt32LE(slots, WORD);
  const mask = slots - 1;
  const tags = HEAD_BYTES;
  let record = 0;
  for (const id of ids) {
    const hash = idHash(id);
    let slot = hash & mask;
    while (bytes[tags + slot] !== 0) slot = (slot + 1) & mask;
    bytes[tags + slot] = tagOf(hash);
    bytes.writeUInt32LE(record, offsetsAt + WORD * slot);
    bytes.writeUInt32LE(hash, recordsAt + record);
    record += WORD + storeId(bytes, recordsAt + record + WORD, id);
  }
  return {
    bytes,
    ref: { length: bytes.length, count, slots, tagsCrc: crc32(bytes.subarray(tags, tags + slots)) },
  };
}

/**
 * Where the tags of the extents a run looks ids up in are kept: slices of large buffers, so that a run
 * that meets every partner allocates a few buffers, not one per extent.
 */
export class Arena {
  static readonly #BYTES = 1024 * 1024;
  #buffer = Buffer.allocUnsafeSlow(0);
  #used = 0;

  take(length: number): Buffer {
    if (length > Arena.#BYTES) return Buffer.allocUnsafeSlow(length);
    if (this.#used + length > this.#buffer.length) {
      this.#buffer = Buffer.allocUnsafeSlow(Arena.#BYTES);
      this.#used = 0;
    }
    const slice = this.#buffer.subarray(this.#used, this.#used + length);
    this.#used += length;
    return slice;
  }
}

/** One extent of the file, its tags read on its first lookup. */
class Extent {
  #tags: Buffer | undefined;
  readonly #offsetsAt: number;
  readonly #recordsAt: number;
  /** One record's bytes at a time, read on a tag match; one start. */
  static readonly #scratch = Buffer.allocUnsafeSlow(MAX_RECORD_BYTES);
  static readonly #word = Buffer.allocUnsafeSlow(WORD);

  constructor(
    readonly ref: ExtentRef,
    private readonly readAt: ReadAt,
    private readonly corrupt: Corrupt,
    private readonly arena: Arena,
  ) {
    this.#offsetsAt = tagsEnd(ref.slots);
    this.#recordsAt = this.#offsetsAt + WORD * ref.slots;
  }

  get tagBytes(): number {
    return this.#tags?.length ?? 0;
  }

  /** Its tags, read and checked on the first lookup. */
  #loadedTags(): Buffer {
    if (this.#tags !== undefined) return this.#tags;
    const { count, slots, tagsCrc } = this.ref;
    const head = this.arena.take(HEAD_BYTES + slots);
    this.readAt(head, this.ref.at);
    const tags = head.subarray(HEAD_BYTES);
    if (head.readUInt32LE(0) !== count || head.readUInt32LE(WORD) !== slots || crc32(tags) !== tagsCrc)
      return this.corrupt('has an extent that does not match its checksum: the file was damaged');
    this.#tags = tags;
    return tags;
  }

  /** The record at a start: read, and checked to hash as it says and to be whole. */
  #record(start: number): { readonly bytes: Buffer; readonly hash: number } {
    const length = this.ref.length - this.#recordsAt - start;
    if (start > this.ref.length || length < WORD + 2)
      return this.corrupt('has an extent whose slot points past its records');
    const bytes = Extent.#scratch.subarray(0, Math.min(MAX_RECORD_BYTES, length));
    this.readAt(bytes, this.ref.at + this.#recordsAt + start);
    const hash = bytes.readUInt32LE(0);
    if (WORD + storedIdBytes(bytes, WORD) > bytes.length || storedIdHash(bytes, WORD) !== hash)
      return this.corrupt('has a usage id whose record is damaged');
    return { bytes, hash };
  }

  has(id: string, hash: number): boolean {
    const tags = this.#loadedTags();
    const tag = tagOf(hash);
    const { slots } = this.ref;
    const mask = slots - 1;
    // A chain ends at an empty slot; one that passes every slot is of a table with none.
    for (let slot = hash & mask, probes = 0; probes < slots; slot = (slot + 1) & mask, probes++) {
      const at = tags[slot];
      if (at === 0) return false;
      if (at !== tag) continue;
      this.readAt(Extent.#word, this.ref.at + this.#offsetsAt + WORD * slot);
      const record = this.#record(Extent.#word.readUInt32LE(0));
      if (tagOf(record.hash) !== tag)
        return this.corrupt('has an extent whose slot points at another record');
      if (record.hash === hash && storedIdEquals(record.bytes, WORD, id)) return true;
    }
    return this.corrupt(`has an extent of ${slots} slots with no empty one`);
  }

  /** Its ids, each record read and checked. */
  *keys(): IterableIterator<string> {
    const { count, length } = this.ref;
    const records = Buffer.allocUnsafeSlow(length - this.#recordsAt);
    this.readAt(records, this.ref.at + this.#recordsAt);
    let at = 0;
    for (let read = 0; read < count; read++) {
      if (at + WORD + 1 > records.length || at + WORD + storedIdBytes(records, at + WORD) > records.length)
        return this.corrupt('has an extent whose records run past its end');
      const problem = storedIdProblem(records, at + WORD);
      if (problem !== undefined || storedIdHash(records, at + WORD) !== records.readUInt32LE(at))
        return this.corrupt('has a usage id whose record is damaged');
      yield storedIdText(records, at + WORD);
      at += WORD + storedIdBytes(records, at + WORD);
    }
  }
}

/** A partner's usage ids kept in a file's extents, below an IdSet made over them (see IdSet.over). */
export class ExtentIds implements IdsBelow {
  readonly #extents: readonly Extent[];
  readonly size: number;

  constructor(refs: readonly ExtentRef[], readAt: ReadAt, corrupt: Corrupt, arena = new Arena()) {
    this.#extents = refs.map((ref) => new Extent(ref, readAt, corrupt, arena));
    this.size = refs.reduce((sum, ref) => sum + ref.count, 0);
  }

  get refs(): readonly ExtentRef[] {
    return this.#extents.map((extent) => extent.ref);
  }

  get byteLength(): number {
    return this.#extents.reduce((sum, extent) => sum + extent.tagBytes, 0);
  }

  has(id: string, hash: number): boolean {
    for (const extent of this.#extents) if (extent.has(id, hash)) return true;
    return false;
  }

  *keys(): IterableIterator<string> {
    for (const extent of this.#extents) yield* extent.keys();
  }

  /** The ids of its extents from the index given on, read whole. */
  *keysFrom(index: number): IterableIterator<string> {
    for (const extent of this.#extents.slice(index)) yield* extent.keys();
  }
}
