import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { describeProblems, problemsOf } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { IdSet, type InPlaceIds, type ReadonlyIdSet } from '../lib/idSet.js';
import { RecordMap, UNREAD, type RecordSource } from '../lib/recordMap.js';
import { reasonOf } from '../lib/reason.js';
import type { RowsCodec } from '../lib/rows.js';
import { rows, StateFields } from './snapshot.js';
import { initialState, type PartnerState } from './state.js';

/**
 * A partner's state as bytes that are read in place, a part at a time as the state is read, and
 * written back as they were where the state did not change: what a resume file keeps per partner.
 * Every number is a u32, little-endian; every part starts at a multiple of 4 bytes from the start
 * (zero bytes pad the part before it), so the state's bytes must start at such a multiple of their
 * buffer for the usage table to be read where it is (else it is copied).
 *
 * 1. Its fields but the records and usage ids: length, JSON (see StateFields).
 * 2. Per kind of record (subscriptions, reservations, deployments, services): the section's length,
 *    then the section: how many records, the length of their ids' JSON and that JSON (an array of
 *    the ids, in the state's order), per record the end of its row in the rows, and the rows (each
 *    record an array of its values, see rowsOf), one after the other. A map made over it (see
 *    RecordMap.over) reads the ids on its first read and a row when its record is first read.
 * 3. The usage ids as the state keeps them (see IdSet.inPlaceParts), to the end: how many, the slot
 *    value of the last, how many pages, how many slots, each page's length, the table's places (a
 *    u32 per slot) and tags (a byte per slot), then the pages of text one after the other. Read in
 *    place: no id is hashed again, and nothing is copied until an id is added.
 *
 * A state is read from bytes that were checked to be the ones written (a resume file's checksum):
 * the reading checks what keeps it from reading out of bounds or looping, and what a part says when
 * it is decoded, but it does not decode any part before it is read.
 */

/** A record's map read from a section: its source (which keeps the section's bytes). */
type RecordKey = 'subscriptions' | 'reservations' | 'deployments' | 'services';
const recordKeys: readonly RecordKey[] = ['subscriptions', 'reservations', 'deployments', 'services'];
type RecordOf<K extends RecordKey> = PartnerState[K] extends ReadonlyMap<string, infer R> ? R : never;

const idOf: { readonly [K in RecordKey]: (record: RecordOf<K>) => string } = {
  subscriptions: (record) => record.subscriptionId,
  reservations: (record) => record.reservationId,
  deployments: (record) => record.deploymentId,
  services: (record) => record.serviceId,
};

const WORD = 4;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const padding = (length: number): number => (WORD - (length % WORD)) % WORD;

/** Why a state's bytes cannot be read, thrown by a part read late; `corrupt` turns it into the reader's own error. */
export type Corrupt = (problem: string) => never;

/** The records of one section, decoded as a map made over it asks for them. */
class Section<K extends RecordKey> implements RecordSource<RecordOf<K>> {
  readonly count: number;
  #ids: string[] | undefined;
  /** The records decoded so far, by ordinal (none until one is). */
  #decoded: (RecordOf<K> | undefined)[] | undefined;
  /** Where the ids' JSON ends (spaces included), where the rows start. */
  readonly #idsEnd: number;
  readonly #rowsAt: number;
  #ends: Uint32Array | undefined;

  constructor(
    readonly key: K,
    /** The section's bytes, from its count to its last row's end. */
    readonly bytes: Buffer,
    private readonly corrupt: Corrupt,
  ) {
    this.count = bytes.readUInt32LE(0);
    this.#idsEnd = 2 * WORD + bytes.readUInt32LE(WORD);
    this.#rowsAt = this.#idsEnd + WORD * this.count;
  }

  /** Whether its lengths fit its bytes (checked before anything is read). */
  get fits(): boolean {
    return this.#rowsAt <= this.bytes.length;
  }

  /** The bytes of its ids' JSON (spaces after it included). */
  get idsBytes(): Buffer {
    return this.bytes.subarray(2 * WORD, this.#idsEnd);
  }

  #fail(problem: string): never {
    return this.corrupt(`state.${this.key} ${problem}`);
  }

  /** The ids, checked to be as many as the records, each an id, each once, and the rows' ends to fit. */
  #checkedIds(): string[] {
    if (this.#ids !== undefined) return this.#ids;
    let ids: unknown;
    try {
      ids = JSON.parse(this.idsBytes.toString('utf8'));
    } catch (error) {
      return this.#fail(`has ids that are not JSON (${reasonOf(error)})`);
    }
    if (!Array.isArray(ids) || ids.length !== this.count)
      return this.#fail(`must have an array of its ${this.count} records' ids`);
    const seen = new Set<string>();
    for (const [index, id] of ids.entries()) {
      if (!Id.is(id)) return this.#fail(`has an id (${index}) that is not one`);
      if (seen.has(id)) return this.#fail(`repeats the id ${id} (record ${index})`);
      seen.add(id);
    }
    const ends = uint32sAt(this.bytes, this.#idsEnd, this.count);
    let end = 0;
    for (let ordinal = 0; ordinal < ends.length; ordinal++) {
      const next = ends[ordinal] as number;
      if (next < end) return this.#fail(`has a row (${ordinal}) that ends before the one before it`);
      end = next;
    }
    if (this.#rowsAt + end !== this.bytes.length)
      return this.#fail(`has rows that do not end where the section does`);
    this.#ends = ends;
    this.#ids = ids as string[];
    return this.#ids;
  }

  keys(): string[] {
    return this.#checkedIds().slice();
  }

  /** Where the row at an ordinal starts in the rows (where the one before ends). */
  #start(ordinal: number): number {
    return ordinal === 0 ? 0 : ((this.#ends as Uint32Array)[ordinal - 1] as number);
  }

  /**
   * The rows from one ordinal up to another, as bytes, and where each ends in them; read after the
   * ids were (a map reads them first).
   */
  rows(from: number, to: number): { readonly bytes: Buffer; readonly ends: Uint32Array } {
    this.#checkedIds();
    const start = this.#start(from);
    const end = this.#start(to);
    const ends = (this.#ends as Uint32Array).subarray(from, to).map((at) => at - start);
    return { bytes: this.bytes.subarray(this.#rowsAt + start, this.#rowsAt + end), ends };
  }

  /** The bytes of the row at an ordinal. */
  row(ordinal: number): Buffer {
    this.#checkedIds();
    return this.bytes.subarray(this.#rowsAt + this.#start(ordinal), this.#rowsAt + this.#start(ordinal + 1));
  }

  /** The record at an ordinal if it was decoded already. */
  decoded(ordinal: number): RecordOf<K> | undefined {
    return this.#decoded?.[ordinal];
  }

  value(ordinal: number): RecordOf<K> {
    const known = this.#decoded?.[ordinal];
    if (known !== undefined) return known;
    const id = this.#checkedIds()[ordinal] as string;
    let row: unknown;
    try {
      row = JSON.parse(this.row(ordinal).toString('utf8'));
    } catch (error) {
      return this.#fail(`has a row (${ordinal}) that is not JSON (${reasonOf(error)})`);
    }
    const decoded = (rows[this.key] as unknown as RowsCodec<t.Props>).decode([row]);
    if (E.isLeft(decoded))
      return this.corrupt(
        describeProblems(
          problemsOf(decoded.left).map((p) => ({
            ...p,
            path: `state.${this.key}.${ordinal}${p.path.slice(1)}`,
          })),
        ),
      );
    const record = Object.freeze(decoded.right[0]) as RecordOf<K>;
    if ((idOf[this.key] as (r: RecordOf<K>) => string)(record) !== id)
      return this.#fail(`has a row (${ordinal}) of another record than its id ${id}`);
    (this.#decoded ??= new Array<RecordOf<K> | undefined>(this.count))[ordinal] = record;
    return record;
  }
}

/** A u32 array at a place of the bytes: read where it is when it can be, else copied. */
function uint32sAt(bytes: Buffer, at: number, count: number): Uint32Array {
  const offset = bytes.byteOffset + at;
  if (LITTLE_ENDIAN && offset % WORD === 0) return new Uint32Array(bytes.buffer, offset, count);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes.readUInt32LE(at + WORD * i);
  return out;
}

/** The bytes of a u32 array, little-endian. */
function bytesOfUint32s(values: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.byteLength);
  for (let i = 0; i < values.length; i++) out.writeUInt32LE(values[i] as number, WORD * i);
  return out;
}

/** The usage ids at the end of a state's bytes, read in place; or why they cannot be. */
function usageAt(bytes: Buffer, at: number, tableGiven: boolean): IdSet | string {
  if (at + 4 * WORD > bytes.length) return 'runs past the end of the bytes';
  const [count, last, pages, slots] = [0, 1, 2, 3].map((i) => bytes.readUInt32LE(at + WORD * i)) as [
    number,
    number,
    number,
    number,
  ];
  const lengthsAt = at + 4 * WORD;
  const placesAt = lengthsAt + WORD * pages;
  const textAt = placesAt + (WORD + 1) * slots;
  if (textAt > bytes.length) return 'runs past the end of the bytes';
  const lengths = uint32sAt(bytes, lengthsAt, pages);
  const text: Uint8Array[] = [];
  let end = textAt;
  for (const length of lengths) {
    if (end + length > bytes.length) return 'runs past the end of the bytes';
    text.push(new Uint8Array(bytes.buffer, bytes.byteOffset + end, length));
    end += length;
  }
  if (bytes.length - end !== padding(end)) return 'does not end where the bytes do';
  const ids: InPlaceIds = {
    count,
    last,
    pages: text,
    places: uint32sAt(bytes, placesAt, slots),
    tags: new Uint8Array(bytes.buffer, bytes.byteOffset + placesAt + WORD * slots, slots),
  };
  const set = IdSet.inPlace(ids, { tableGiven });
  return typeof set === 'string' ? `holds ids that ${set}` : set;
}

/**
 * The state its bytes hold (see above), its records and usage ids read where they are; or why the
 * bytes are not a state's (at the path of the field, as JSON snapshots name it), as far as reading
 * them so far tells. A record's section is read when the
 * state's map of it is first read, and a problem found then is given to `corrupt`, whose error the
 * read throws. The state is frozen.
 *
 * With `tableGiven`, the caller gives the bytes of the usage ids' table up to the state: a draft of
 * it writes its first ids added in them (see IdSet.inPlace), so they must not be read again, nor
 * written out as they were.
 */
export function stateOfBytes(
  bytes: Buffer,
  corrupt: Corrupt,
  { tableGiven = false }: { readonly tableGiven?: boolean } = {},
): E.Either<string, PartnerState> {
  const malformed = E.left;
  if (bytes.length < WORD) return malformed('its bytes end before its fields');
  const fieldsEnd = WORD + bytes.readUInt32LE(0);
  if (fieldsEnd > bytes.length) return malformed('its fields run past the end of its bytes');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', WORD, fieldsEnd));
  } catch (error) {
    return malformed(`its fields are not JSON (${reasonOf(error)})`);
  }
  const fields = StateFields.decode(value);
  if (E.isLeft(fields))
    return malformed(
      describeProblems(problemsOf(fields.left).map((p) => ({ ...p, path: `state.${p.path}` }))),
    );
  let at = fieldsEnd + padding(fieldsEnd);
  const maps: Partial<Record<RecordKey, ReadonlyMap<string, unknown>>> = {};
  for (const key of recordKeys) {
    if (at + WORD > bytes.length) return malformed(`state.${key} runs past the end of its bytes`);
    const end = at + WORD + bytes.readUInt32LE(at);
    if (end > bytes.length || end - at < 3 * WORD)
      return malformed(`state.${key} runs past the end of its bytes`);
    const section = new Section(key, bytes.subarray(at + WORD, end), corrupt);
    if (!section.fits) return malformed(`state.${key} runs past the end of its bytes`);
    maps[key] = section.count === 0 ? initialState[key] : RecordMap.over(section).freeze();
    at = end + padding(end);
  }
  const usage = usageAt(bytes, at, tableGiven);
  if (typeof usage === 'string') return malformed(`state.usage ${usage}`);
  const { partnerId, lastEventAt, version, unattributedUsage } = fields.right;
  if ((partnerId === null) !== (version === 0))
    return malformed('state.partnerId must be null exactly when state.version is 0');
  if ((lastEventAt === null) !== (version === 0))
    return malformed('state.lastEventAt must be null exactly when state.version is 0');
  if (unattributedUsage > usage.size)
    return malformed(`state.unattributedUsage is more than the ${usage.size} usage ids`);
  const records = maps as Pick<PartnerState, RecordKey>;
  // The fields in the order every other state has them: the rules read states of one shape.
  return E.right(
    Object.freeze({
      partnerId,
      sharedTenantId: fields.right.sharedTenantId,
      lastEventAt,
      version,
      unattributedUsage,
      subscriptions: records.subscriptions,
      reservations: records.reservations,
      deployments: records.deployments,
      services: records.services,
      usage: usage.size === 0 ? initialState.usage : Object.freeze(usage),
    }),
  );
}

/** A state's bytes as parts to write one after the other (see stateBytes). */
export type StateBytes = { readonly parts: readonly Uint8Array[]; readonly length: number };

const ZEROS = new Uint8Array(WORD);

/** Bytes to write one after the other. */
class Parts {
  readonly parts: Uint8Array[] = [];
  length = 0;

  /** Adds the parts in order (a list, never spread into a call: a section may hold millions of rows). */
  add(parts: readonly Uint8Array[]): void {
    for (const part of parts) {
      this.parts.push(part);
      this.length += part.length;
    }
  }

  /** Zero bytes to a multiple of 4. */
  pad(): void {
    if (padding(this.length) > 0) this.add([ZEROS.subarray(0, padding(this.length))]);
  }

  /** A length, then the parts, then the padding. */
  addSized(parts: Parts): void {
    this.add([u32s(parts.length)]);
    this.add(parts.parts);
    this.pad();
  }
}

const u32s = (...values: number[]): Buffer => {
  const out = Buffer.allocUnsafe(WORD * values.length);
  values.forEach((value, i) => out.writeUInt32LE(value, WORD * i));
  return out;
};

/** The JSON of a section's ids, spaces after it to a multiple of 4 bytes, so that the rows' ends after it are aligned. */
function idsJson(ids: readonly string[]): Buffer {
  const json = JSON.stringify(ids);
  return Buffer.from(json.padEnd(json.length + padding(Buffer.byteLength(json, 'utf8'))), 'utf8');
}

/**
 * The section of a map's records: the bytes it was read from when it holds them as they were; else
 * written anew, with the bytes of each run of rows that are as the section gave them copied at once.
 */
function sectionOf<K extends RecordKey>(key: K, map: ReadonlyMap<string, RecordOf<K>>): Parts {
  const parts = new Parts();
  const source = map instanceof RecordMap ? map.source : undefined;
  const section = source instanceof Section && source.key === key ? (source as Section<K>) : undefined;
  if (section !== undefined && (map as RecordMap<RecordOf<K>>).holdsSource) {
    parts.add([section.bytes]);
    return parts;
  }
  const codec = rows[key] as unknown as RowsCodec<t.Props>;
  const rowOf = (record: RecordOf<K>) =>
    Buffer.from(JSON.stringify(codec.encode([record as never])[0]), 'utf8');
  const ids: string[] = [];
  const rowBytes: Uint8Array[] = [];
  const ends = new Uint32Array(map.size);
  let length = 0;
  let unchangedIds = false;
  const addRow = (row: Uint8Array) => {
    rowBytes.push(row);
    length += row.length;
    ends[ids.length - 1] = length;
  };
  if (section !== undefined) {
    // A run of the section's rows, from..to, that the map holds as the section gave them.
    let from = 0;
    let to = 0;
    const addRun = () => {
      if (to === from) return;
      const run = section.rows(from, to);
      rowBytes.push(run.bytes);
      ends.set(
        run.ends.map((end) => end + length),
        ids.length - (to - from),
      );
      length += run.bytes.length;
    };
    let appended = false;
    for (const [id, ordinal, value] of (map as RecordMap<RecordOf<K>>).slots()) {
      const same = ordinal < section.count && (value === UNREAD || value === section.decoded(ordinal));
      if (same && ordinal === to) {
        ids.push(id);
        to += 1;
        continue;
      }
      addRun();
      ids.push(id);
      if (same) [from, to] = [ordinal, ordinal + 1];
      else {
        appended ||= ordinal >= section.count;
        addRow(rowOf(value as RecordOf<K>));
        from = to = ordinal + 1;
      }
    }
    addRun();
    unchangedIds = !appended && ids.length === section.count;
  } else
    for (const [id, record] of map) {
      ids.push(id);
      addRow(rowOf(record));
    }
  const json = unchangedIds && section !== undefined ? section.idsBytes : idsJson(ids);
  parts.add([u32s(ids.length, json.length), json, bytesOfUint32s(ends)]);
  parts.add(rowBytes);
  return parts;
}

/** The parts of a usage set (see usageAt). */
function addUsage(parts: Parts, usage: ReadonlyIdSet): void {
  const { count, last, pages, places, tags } = usage.inPlaceParts();
  parts.add([
    u32s(count, last, pages.length, places.length),
    bytesOfUint32s(Uint32Array.from(pages, (page) => page.length)),
    bytesOfUint32s(places),
    tags,
  ]);
  parts.add(pages);
  parts.pad();
}

/**
 * The bytes of a state (see above) as parts, which stateOfBytes reads back, once written one after
 * the other, as the same state. The sections of a state read from bytes that it holds as it read them
 * are those bytes, and of the rows of a section it changed, those it did not change are copied; the
 * usage ids are the parts the set keeps them in. The parts may be views of the state's own: write
 * them before the state is changed again.
 */
export function stateBytes(state: PartnerState): StateBytes {
  const parts = new Parts();
  const { partnerId, sharedTenantId, lastEventAt, version, unattributedUsage } = state;
  const fields = new Parts();
  fields.add([
    Buffer.from(
      JSON.stringify({ partnerId, sharedTenantId, lastEventAt, version, unattributedUsage }),
      'utf8',
    ),
  ]);
  parts.addSized(fields);
  for (const key of recordKeys)
    parts.addSized(sectionOf(key, state[key] as ReadonlyMap<string, RecordOf<typeof key>>));
  addUsage(parts, state.usage);
  return parts;
}
