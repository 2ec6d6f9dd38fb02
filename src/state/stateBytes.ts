import * as E from 'fp-ts/lib/Either.js';
import { crc32 } from 'node:zlib';
import type * as t from 'io-ts';
import { describeProblems, problemsOf } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import type { ReadonlyIdSet } from '../lib/idSet.js';
import { RecordMap, UNREAD, type RecordSource } from '../lib/recordMap.js';
import { reasonOf } from '../lib/reason.js';
import type { RowsCodec } from '../lib/rows.js';
import { rows, StateFields } from './snapshot.js';
import { initialState, type PartnerState } from './state.js';

/**
 * A partner's state in parts that are read where they are kept (a resume file), each only when the
 * state is first asked for it, and kept as they were where the state did not change: its fields, as
 * JSON (see StateFields); one section per kind of record; and its usage ids, kept elsewhere (see
 * IdSet.over). Every number is a u32, little-endian.
 *
 * A section (subscriptions, reservations, deployments, services) is kept in layers (see
 * SectionSource), each the records added or changed since the layers before it. A layer: how many
 * records, the length of their ids' JSON and that JSON (an array of the ids, spaces after it to a
 * multiple of 4 bytes), per record the end of its row in the rows, per record its row's CRC-32 (this
 * much is the layer's index), then the rows (each record an array of its values, see rowsOf), one
 * after the other. A map made over a section (see RecordMap.over) reads the layers' indexes when it is
 * first read, and a row, checked against its CRC-32, when its record is first read.
 *
 * The reading checks what keeps it from reading out of bounds or looping, and what a part says when
 * it is decoded, but it does not decode any part before it is read.
 */

/** The kinds of record a state keeps in sections. */
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

/**
 * One layer of a section where it is kept: how many records it holds; its index (the count, the
 * length of the ids' JSON and that JSON, then per record the end of its row in the rows and the
 * CRC-32 of the row), read and checked by its keeper when first asked for; and the bytes of its rows
 * from one place to another, checked here against the index.
 */
export type LayerSource = {
  readonly count: number;
  readonly index: () => Buffer;
  readonly rows: (start: number, end: number) => Buffer;
};

/**
 * Where a section is kept: how many records it holds, and its layers. The first holds records as
 * they were; each after it, records added or changed since (the last layer holding a record has its
 * row). Its keys are in the order they were first added: the first layer's, then each new one's.
 */
export type SectionSource = { readonly count: number; readonly layers: readonly LayerSource[] };

/** A layer's index, read. */
type LayerIndex = { readonly ids: readonly string[]; readonly ends: Uint32Array; readonly crcs: Uint32Array };

/** The records of one section, decoded as a map made over it asks for them. */
class Section<K extends RecordKey> implements RecordSource<RecordOf<K>> {
  readonly count: number;
  #ids: string[] | undefined;
  /** The ids' ordinals as they were read, until they are given up (see keys). */
  #ordinals: Map<string, number> | undefined;
  /** Per ordinal, the layer whose row it is and the row's place in the layer. */
  #layerOf: Uint32Array | undefined;
  #placeOf: Uint32Array | undefined;
  #indexes: LayerIndex[] = [];
  /** The records decoded so far, by ordinal (none until one is). */
  #decoded: (RecordOf<K> | undefined)[] | undefined;

  constructor(
    readonly key: K,
    readonly source: SectionSource,
    private readonly corrupt: Corrupt,
  ) {
    this.count = source.count;
  }

  #fail(problem: string): never {
    return this.corrupt(`state.${this.key} ${problem}`);
  }

  /** A layer's index read: its ids, checked to be as many as it says, each an id, each once; its rows' ends in order. */
  #index(layer: LayerSource, number: number): LayerIndex {
    const bytes = layer.index();
    const where = `layer ${number + 1}`;
    if (bytes.length < 2 * WORD || bytes.readUInt32LE(0) !== layer.count)
      return this.#fail(`${where} does not hold the ${layer.count} records it is said to`);
    const idsEnd = 2 * WORD + bytes.readUInt32LE(WORD);
    if (idsEnd + 2 * WORD * layer.count !== bytes.length)
      return this.#fail(`${where} has an index of the wrong length`);
    let ids: unknown;
    try {
      ids = JSON.parse(bytes.toString('utf8', 2 * WORD, idsEnd));
    } catch (error) {
      return this.#fail(`${where} has ids that are not JSON (${reasonOf(error)})`);
    }
    if (!Array.isArray(ids) || ids.length !== layer.count)
      return this.#fail(`${where} must have an array of its ${layer.count} records' ids`);
    for (const [index, id] of ids.entries())
      if (!Id.is(id)) return this.#fail(`has an id (${index}) that is not one`);
    const ends = uint32sAt(bytes, idsEnd, layer.count);
    for (let place = 1; place < ends.length; place++)
      if ((ends[place] as number) < (ends[place - 1] as number))
        return this.#fail(`has a row (${place}) that ends before the one before it`);
    return { ids: ids as string[], ends, crcs: uint32sAt(bytes, idsEnd + WORD * layer.count, layer.count) };
  }

  /** The ids in order, each with the layer that holds its row: read on the first ask. */
  #checkedIds(): string[] {
    if (this.#ids !== undefined) return this.#ids;
    const ordinals = new Map<string, number>();
    const layerOf: number[] = [];
    const placeOf: number[] = [];
    for (const [number, layer] of this.source.layers.entries()) {
      const index = this.#index(layer, number);
      this.#indexes.push(index);
      for (const [place, id] of index.ids.entries()) {
        let ordinal = ordinals.get(id);
        if (ordinal === undefined) ordinals.set(id, (ordinal = ordinals.size));
        else if (layerOf[ordinal] === number) return this.#fail(`repeats the id ${id} (record ${place})`);
        layerOf[ordinal] = number;
        placeOf[ordinal] = place;
      }
    }
    if (ordinals.size !== this.count)
      return this.#fail(`holds ${ordinals.size} records, not the ${this.count} it says`);
    this.#layerOf = Uint32Array.from(layerOf);
    this.#placeOf = Uint32Array.from(placeOf);
    this.#ordinals = ordinals;
    this.#ids = [...ordinals.keys()];
    return this.#ids;
  }

  /** Each id's ordinal, a map given up to the caller (see RecordSource). */
  keys(): Map<string, number> {
    const ids = this.#checkedIds();
    const ordinals = this.#ordinals ?? new Map(ids.map((id, ordinal) => [id, ordinal]));
    this.#ordinals = undefined;
    return ordinals;
  }

  /** The bytes of the row at an ordinal, checked against its layer's index. */
  row(ordinal: number): Buffer {
    this.#checkedIds();
    const number = (this.#layerOf as Uint32Array)[ordinal] as number;
    const place = (this.#placeOf as Uint32Array)[ordinal] as number;
    const { ends, crcs } = this.#indexes[number] as LayerIndex;
    const bytes = (this.source.layers[number] as LayerSource).rows(
      place === 0 ? 0 : (ends[place - 1] as number),
      ends[place] as number,
    );
    if (crc32(bytes) !== crcs[place])
      return this.#fail(`has a row (${ordinal}) that does not match its checksum: the file was damaged`);
    return bytes;
  }

  /** The record at an ordinal if it was decoded already. */
  decoded(ordinal: number): RecordOf<K> | undefined {
    return this.#decoded?.[ordinal];
  }

  value(ordinal: number): RecordOf<K> {
    const known = this.#decoded?.[ordinal];
    if (known !== undefined) return known;
    const id = this.#checkedIds()[ordinal] as string;
    const bytes = this.row(ordinal);
    let row: unknown;
    try {
      row = JSON.parse(bytes.toString('utf8'));
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

/** The fields of a state's parts (see StateFields). */
export type StateFieldValues = Pick<
  PartnerState,
  'partnerId' | 'sharedTenantId' | 'lastEventAt' | 'version' | 'unattributedUsage'
>;

/** A state's fields decoded from their JSON value, or why they are not a state's (at the path of the field, as JSON snapshots name it). */
export function fieldsOf(value: unknown): E.Either<string, StateFieldValues> {
  const fields = StateFields.decode(value);
  if (E.isLeft(fields))
    return E.left(describeProblems(problemsOf(fields.left).map((p) => ({ ...p, path: `state.${p.path}` }))));
  return fields;
}

/** What a state is made of where it is kept: its fields, where each section is (none for no records), its usage ids. */
export type StateParts = {
  readonly fields: StateFieldValues;
  readonly sections: { readonly [K in RecordKey]: SectionSource | null };
  readonly usage: ReadonlyIdSet;
};

/**
 * The state its parts hold, each section read when its map is first read (a problem found then is
 * given to `corrupt`, whose error the read throws); or why the parts are not a state's, as far as
 * what was read so far tells. The state is frozen.
 */
export function stateOfParts(
  { fields, sections, usage }: StateParts,
  corrupt: Corrupt,
): E.Either<string, PartnerState> {
  const { partnerId, lastEventAt, version, unattributedUsage } = fields;
  if ((partnerId === null) !== (version === 0))
    return E.left('state.partnerId must be null exactly when state.version is 0');
  if ((lastEventAt === null) !== (version === 0))
    return E.left('state.lastEventAt must be null exactly when state.version is 0');
  if (unattributedUsage > usage.size)
    return E.left(`state.unattributedUsage is more than the ${usage.size} usage ids`);
  const maps: Partial<Record<RecordKey, ReadonlyMap<string, unknown>>> = {};
  for (const key of recordKeys) {
    const source = sections[key];
    maps[key] =
      source === null || source.count === 0
        ? initialState[key]
        : RecordMap.over(new Section(key, source, corrupt)).freeze();
  }
  const records = maps as Pick<PartnerState, RecordKey>;
  // The fields in the order every other state has them: the rules read states of one shape.
  return E.right(
    Object.freeze({
      partnerId,
      sharedTenantId: fields.sharedTenantId,
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

/** A layer's bytes to write (see LayerSource): its index, then its rows; how many records, how long its index is and its CRC-32. */
export type LayerBytes = {
  readonly parts: readonly Uint8Array[];
  readonly length: number;
  readonly count: number;
  readonly indexLength: number;
  readonly indexCrc: number;
};

/** The most layers a section is kept in before it is written again as one. */
export const MAX_LAYERS = 8;

const u32s = (values: readonly number[] | Uint32Array): Buffer => {
  const out = Buffer.allocUnsafe(WORD * values.length);
  values.forEach((value: number, i: number) => out.writeUInt32LE(value, WORD * i));
  return out;
};

/** A layer of these records' rows (in order), with their ids. */
function layerBytes(ids: readonly string[], rowBytes: readonly Uint8Array[]): LayerBytes {
  const json = JSON.stringify(ids);
  const idsBytes = Buffer.from(json.padEnd(json.length + padding(Buffer.byteLength(json, 'utf8'))), 'utf8');
  const ends = new Uint32Array(ids.length);
  const crcs = new Uint32Array(ids.length);
  let end = 0;
  for (const [place, row] of rowBytes.entries()) {
    end += row.length;
    ends[place] = end;
    crcs[place] = crc32(row);
  }
  const index = [u32s([ids.length, idsBytes.length]), idsBytes, u32s(ends), u32s(crcs)];
  let indexCrc = 0;
  let indexLength = 0;
  for (const part of index) {
    indexCrc = crc32(part, indexCrc);
    indexLength += part.length;
  }
  return {
    parts: [...index, ...rowBytes],
    length: indexLength + end,
    count: ids.length,
    indexLength,
    indexCrc,
  };
}

/**
 * The records a map made over a section holds that the section does not (added, or changed: a value
 * other than the one the section gave), in order; undefined when a key of the section was deleted.
 */
function changedRecords<K extends RecordKey>(
  map: RecordMap<RecordOf<K>>,
  section: Section<K>,
): RecordOf<K>[] | undefined {
  const changed: RecordOf<K>[] = [];
  for (const [ordinal, value] of map.writtenSlots()) {
    if (value === null) return undefined;
    if (value === UNREAD || (ordinal < section.count && value === section.decoded(ordinal))) continue;
    changed.push(value);
  }
  return changed;
}

/**
 * What a section of a state is to be kept as: none (no records); or its layers kept where they are
 * (those of the section it was read from), and one more to write, if any.
 */
export type SectionToWrite = null | {
  readonly kept: readonly LayerSource[];
  readonly added: LayerBytes | undefined;
};

/**
 * The section of a map's records: none when it holds none; the layers it was made over when it holds
 * its records as they were; those and one more of the records added or changed since, while that is
 * at most half as many records as the section holds and it has fewer than MAX_LAYERS layers; else one
 * layer of all its records, with the rows of those as the section gave them copied as they were.
 * `keeps` says which layers can stay where they are.
 */
export function sectionToWrite<K extends RecordKey>(
  key: K,
  map: ReadonlyMap<string, RecordOf<K>>,
  keeps: (layer: LayerSource) => boolean,
): SectionToWrite {
  if (map.size === 0) return null;
  const source = map instanceof RecordMap ? map.source : undefined;
  const section = source instanceof Section && source.key === key ? (source as Section<K>) : undefined;
  const layers = section?.source.layers ?? [];
  const kept = section !== undefined && layers.every(keeps);
  if (kept && (map as RecordMap<RecordOf<K>>).holdsSource) return { kept: layers, added: undefined };
  const codec = rows[key] as unknown as RowsCodec<t.Props>;
  const rowOf = (record: RecordOf<K>) =>
    Buffer.from(JSON.stringify(codec.encode([record as never])[0]), 'utf8');
  if (section === undefined) {
    const ids = [...map.keys()];
    return { kept: [], added: layerBytes(ids, [...map.values()].map(rowOf)) };
  }
  if (kept && layers.length < MAX_LAYERS) {
    const changed = changedRecords(map as RecordMap<RecordOf<K>>, section);
    if (changed?.length === 0) return { kept: layers, added: undefined };
    if (changed !== undefined && 2 * changed.length <= section.count)
      return {
        kept: layers,
        added: layerBytes(
          changed.map((record) => (idOf[key] as (r: RecordOf<K>) => string)(record)),
          changed.map(rowOf),
        ),
      };
  }
  const slots = [...(map as RecordMap<RecordOf<K>>).slots()];
  const same = ([, ordinal, value]: (typeof slots)[number]) =>
    ordinal < section.count && (value === UNREAD || value === section.decoded(ordinal));
  return {
    kept: [],
    added: layerBytes(
      slots.map(([id]) => id),
      slots.map((slot) => (same(slot) ? section.row(slot[1]) : rowOf(slot[2] as RecordOf<K>))),
    ),
  };
}

/** The JSON of a state's fields (see StateFields). */
export const fieldValues = ({
  partnerId,
  sharedTenantId,
  lastEventAt,
  version,
  unattributedUsage,
}: PartnerState): StateFieldValues => ({
  partnerId,
  sharedTenantId,
  lastEventAt,
  version,
  unattributedUsage,
});

export { recordKeys, type RecordKey };
