import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { describeProblems, integerFrom, isArray, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { IdSet } from '../lib/idSet.js';
import { reasonOf } from '../lib/reason.js';
import { RuleSet } from '../policies/ruleSet.js';
import {
  fieldsOf,
  MAX_LAYERS,
  recordKeys,
  stateOfParts,
  type Corrupt,
  type LayerSource,
  type RecordKey,
  type SectionSource,
} from '../state/stateBytes.js';
import type { PartnerState } from '../state/state.js';
import { Arena, ExtentIds, extentProblem, type ExtentRef, type ReadAt } from './usageExtents.js';

/**
 * The resume file, in binary, written only ever at its end: a run adds what changed and a new root,
 * then points the file at that root, so that it reads and writes what its new lines touch, not every
 * partner's state.
 *
 * MAGIC, the format (u32), then two superblocks of 32 bytes each, then blocks. A superblock: its
 * sequence number (u32), where the root is (u64, as two u32: low, high), the root's length (u32) and
 * CRC-32 (u32), where the file's blocks end (u64), and the CRC-32 of those 28 bytes. A run writes the
 * slot its predecessor did not, with the next sequence number; the valid one with the highest number
 * is the file, so that a run stopped while writing its superblock leaves the one before.
 *
 * The root is JSON: the header (rules, log position, counts, how many partners), `live` (the bytes of
 * the blocks it points at), and per partner `[id, fields, sections, extents]`: its fields (see
 * StateFields); per kind of record (subscriptions, reservations, deployments, services) null or
 * `[at, length, crc32, count]` of a block holding its section (see stateBytes.ts); and its usage ids
 * as extents `[at, length, count, slots, tagsCrc32]` (see usageExtents.ts). Blocks start at a multiple
 * of 4 bytes. Numbers are little-endian.
 *
 * A CRC-32 (zlib's) guards against accidental damage (a byte changed, a file cut short), not against
 * a file made to deceive. Each part is checked as it is read: the superblocks and the root when the
 * file is opened, a partner's entry when it is met, a section when its records are first read, an
 * extent's tags on its first lookup, and an id's record when a lookup reads it (see usageExtents.ts).
 * Format 5 was this format but for the partners' `lastEventAt`, which it kept as the last event's
 * (earlier after a backdated one, see R2), where this one keeps the latest event's. Format 4 kept
 * every partner's whole state in one entry, written again by every run; format 3 as one snapshot,
 * format 2 as JSON.
 */
export const RESUME_FORMAT = 6;
export const MAGIC = Buffer.from('APSS-RESUME\n', 'latin1');
const WORD = 4;
const SUPERBLOCK_BYTES = 32;
export const SUPERBLOCK_AT = [MAGIC.length + WORD, MAGIC.length + WORD + SUPERBLOCK_BYTES] as const;
/** Where the first block starts. */
export const DATA_START = MAGIC.length + WORD + 2 * SUPERBLOCK_BYTES;
const HIGH = 2 ** 32;

const Count = integerFrom('Count', 0);
const Sha256 = refined(
  'Sha256',
  (u): u is string => typeof u === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(u),
  'a SHA-256 digest in base64',
);

/** Where the audit stopped in the log, and what the log's bytes were there. */
export const LogPosition = struct('LogPosition', {
  /** Lines read (the last finding's position is at most this). */
  lines: Count,
  /** Bytes read: the saved position, where a resumed run starts reading. */
  bytes: Count,
  /** Whether the last byte read was a newline (or none was read): else a line may be continued. */
  ended: t.boolean,
  /** SHA-256 of the first WINDOW_BYTES bytes (fewer if the log was shorter) and of the WINDOW_BYTES before `bytes`. */
  head: Sha256,
  tail: Sha256,
});
export type LogPosition = t.TypeOf<typeof LogPosition>;

const ResumeHeader = struct('ResumeHeader', {
  rules: RuleSet,
  log: LogPosition,
  counts: struct('Counts', { records: Count, events: Count, findings: Count }),
  /** How many partner entries follow. */
  partners: Count,
});
export type ResumeHeader = t.TypeOf<typeof ResumeHeader>;

const Root = struct('ResumeRoot', { header: ResumeHeader, live: Count, partners: t.array(t.unknown) });

/** A place in the file: whole numbers, as many as `names`, each from 0 (those in `u32` below 2^32). */
const placesOf = <N extends readonly string[]>(name: string, names: N, u32: readonly number[]) =>
  refined(
    name,
    (u): u is { [K in keyof N]: number } =>
      Array.isArray(u) &&
      u.length === names.length &&
      u.every(
        (n: unknown, i) =>
          Number.isSafeInteger(n) && (n as number) >= 0 && (!u32.includes(i) || (n as number) < HIGH),
      ),
    `[${names.join(', ')}], whole numbers from 0`,
  );
const LayerRefCodec = placesOf(
  'LayerRef',
  ['at', 'length', 'indexLength', 'indexCrc', 'count'] as const,
  [3],
);
const SectionRefCodec = t.union([t.null, t.tuple([Count, t.array(LayerRefCodec)])]);
const ExtentRefCodec = placesOf('ExtentRef', ['at', 'length', 'count', 'slots', 'tagsCrc'] as const, [4]);
const EntryCodec = t.tuple([
  Id,
  t.unknown,
  t.tuple([SectionRefCodec, SectionRefCodec, SectionRefCodec, SectionRefCodec]),
  t.array(ExtentRefCodec),
]);

/** Where a layer of a section is: its place, length, its index's length and CRC-32, and how many records it holds. */
export type LayerRef = {
  readonly at: number;
  readonly length: number;
  readonly indexLength: number;
  readonly indexCrc: number;
  readonly count: number;
};
/** A section: how many records it holds, and where its layers are. */
export type SectionRef = { readonly count: number; readonly layers: readonly LayerRef[] };

/** A partner's entry, its places decoded: its fields as JSON, where each section and extent is. */
export type EntryRefs = {
  readonly fields: unknown;
  readonly sections: { readonly [K in RecordKey]: SectionRef | null };
  readonly extents: readonly ExtentRef[];
};

/** The JSON of a partner's entry (see RESUME_FORMAT). */
export function entryJson(partnerId: string, fields: unknown, refs: Omit<EntryRefs, 'fields'>): unknown {
  return [
    partnerId,
    fields,
    recordKeys.map((key) => {
      const ref = refs.sections[key];
      return ref === null
        ? null
        : [
            ref.count,
            ref.layers.map(({ at, length, indexLength, indexCrc, count }) => [
              at,
              length,
              indexLength,
              indexCrc,
              count,
            ]),
          ];
    }),
    refs.extents.map(({ at, length, count, slots, tagsCrc }) => [at, length, count, slots, tagsCrc]),
  ];
}

/** How many bytes the blocks of an entry take, padding included. */
export const entryBytes = (refs: Omit<EntryRefs, 'fields'>): number =>
  recordKeys.reduce(
    (sum, key) =>
      (refs.sections[key]?.layers ?? []).reduce((total, layer) => total + padded(layer.length), sum),
    0,
  ) + refs.extents.reduce((sum, extent) => sum + padded(extent.length), 0);

export const padded = (length: number): number => length + ((WORD - (length % WORD)) % WORD);

/** A superblock: which is the file, where its root is, where its blocks end. */
export type Superblock = {
  readonly sequence: number;
  readonly rootAt: number;
  readonly rootLength: number;
  readonly rootCrc: number;
  readonly end: number;
};

export function superblockBytes(block: Superblock): Buffer {
  const bytes = Buffer.alloc(SUPERBLOCK_BYTES);
  bytes.writeUInt32LE(block.sequence, 0);
  bytes.writeUInt32LE(block.rootAt % HIGH, 4);
  bytes.writeUInt32LE(Math.floor(block.rootAt / HIGH), 8);
  bytes.writeUInt32LE(block.rootLength, 12);
  bytes.writeUInt32LE(block.rootCrc, 16);
  bytes.writeUInt32LE(block.end % HIGH, 20);
  bytes.writeUInt32LE(Math.floor(block.end / HIGH), 24);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, SUPERBLOCK_BYTES - WORD)), SUPERBLOCK_BYTES - WORD);
  return bytes;
}

/**
 * The superblock in its slot's bytes: none for a slot never written (zero bytes); or why the slot
 * cannot be read: its bytes do not match their checksum (a superblock is written in one write of 32
 * bytes, which a disk does not tear, so this is damage), or it points outside the file.
 */
function superblockOf(bytes: Buffer, size: number): E.Either<string, Superblock | undefined> {
  if (bytes.every((byte) => byte === 0)) return E.right(undefined);
  if (crc32(bytes.subarray(0, SUPERBLOCK_BYTES - WORD)) !== bytes.readUInt32LE(SUPERBLOCK_BYTES - WORD))
    return E.left('a superblock does not match its checksum: the file was damaged');
  const block = {
    sequence: bytes.readUInt32LE(0),
    rootAt: bytes.readUInt32LE(4) + bytes.readUInt32LE(8) * HIGH,
    rootLength: bytes.readUInt32LE(12),
    rootCrc: bytes.readUInt32LE(16),
    end: bytes.readUInt32LE(20) + bytes.readUInt32LE(24) * HIGH,
  };
  if (block.sequence === 0 || block.rootAt < DATA_START || block.rootAt + block.rootLength > block.end)
    return E.left('a superblock points outside the file: it was damaged');
  if (block.end > size)
    return E.left(
      `it was cut short: a superblock says its blocks end at byte ${block.end}, and it has ${size}`,
    );
  return E.right(block);
}

/**
 * The file's superblock, of its first bytes (up to DATA_START): the one of the two slots with the
 * higher sequence number; or why there is none to read.
 */
export function currentSuperblock(start: Buffer, size: number): E.Either<string, Superblock> {
  let current: Superblock | undefined;
  for (const at of SUPERBLOCK_AT) {
    const block = superblockOf(start.subarray(at, at + SUPERBLOCK_BYTES), size);
    if (E.isLeft(block)) return block;
    if (block.right !== undefined && (current === undefined || block.right.sequence > current.sequence))
      current = block.right;
  }
  return current === undefined ? E.left('it has no superblock: it was damaged') : E.right(current);
}

/** The most of a file's first line read to tell an earlier version's JSON resume file. */
const FORMAT_1_LINE_BYTES = 1024 * 1024;

/**
 * Whether a file that begins with `{` is an earlier version's resume file: its first line a JSON
 * object of `"format": 1`. A log, or any other JSON, is not: it is said to be no resume file at all,
 * so that nobody is told to delete their log as an outdated resume file.
 */
function isFormat1(bytes: Buffer): boolean {
  const end = bytes.indexOf(0x0a);
  const line = bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === 1;
  } catch {
    return false;
  }
}

/** What the file's first bytes say it is, or why it is not a resume file this version reads. */
function formatProblem(bytes: Buffer): string | undefined {
  if (bytes[0] === 0x7b && isFormat1(bytes))
    return `it is an earlier version's resume file (JSON, format 1), and this version reads format ${RESUME_FORMAT} only`;
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    return 'it is not a resume file (it does not begin with APSS-RESUME)';
  if (bytes.length < MAGIC.length + WORD) return 'it was cut short, inside its header';
  const format = bytes.readUInt32LE(MAGIC.length);
  if (format !== RESUME_FORMAT)
    return `it is of format ${format}, and this version reads format ${RESUME_FORMAT} only`;
  if (bytes.length < DATA_START) return 'it was cut short, inside its header';
  return undefined;
}

/** Reads `target.length` bytes of a file from `position`, or throws. */
const readerOf =
  (handle: FileHandle): ReadAt =>
  (target, position) => {
    for (let read = 0; read < target.length;) {
      const got = readSync(handle.fd, target, read, target.length - read, position + read);
      if (got === 0) throw new Error(`the file ends before byte ${position + target.length}`);
      read += got;
    }
  };

/** A partner's entry as the root holds it: its JSON (written back as it is while the partner is not met), and its place among the entries. */
export type SavedEntry = { readonly number: number; readonly partnerId: string; readonly json: unknown };

/** A partner's state read from the file, and where its parts are. */
export type TakenEntry = { readonly state: PartnerState; readonly refs: EntryRefs };

/** An open resume file: its header, its entries, and its parts read as they are asked for. */
export class ResumeFile {
  /** The ids kept by this file's extents, and the sections read from its blocks, with where they are: a run writes again only what is not kept. */
  readonly #extentIds = new WeakSet<ExtentIds>();
  readonly #layers = new WeakMap<LayerSource, LayerRef>();
  /** Where the tags of the extents it looks ids up in are kept. */
  readonly #arena = new Arena();

  readonly readAt: ReadAt;

  constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly size: number,
    readonly superblock: Superblock,
    /** Its first bytes as they were read (its format and superblocks): a run writes only if they are still these. */
    readonly head: Buffer,
    readonly header: ResumeHeader,
    readonly live: number,
    readonly entries: ReadonlyMap<string, SavedEntry>,
  ) {
    this.readAt = readerOf(handle);
  }

  /** Where a section's layer read from this file is, if it was. */
  layerRef(layer: LayerSource): LayerRef | undefined {
    return this.#layers.get(layer);
  }

  /** Whether a partner's usage ids below its set are this file's extents. */
  keeps(ids: unknown): ids is ExtentIds {
    return ids instanceof ExtentIds && this.#extentIds.has(ids);
  }

  /** The places an entry gives, decoded and checked to lie among the file's blocks; or why not. */
  refsOf(entry: SavedEntry): E.Either<string, EntryRefs> {
    const decoded = EntryCodec.decode(entry.json);
    if (E.isLeft(decoded))
      return E.left(`its places are not an entry's: ${describeProblems(problemsOf(decoded.left))}`);
    const [, fields, sectionRefs, extentRefs] = decoded.right;
    const inside = (at: number, length: number) =>
      at >= DATA_START && at % WORD === 0 && at + length <= this.superblock.end;
    const sections = {} as Record<RecordKey, SectionRef | null>;
    for (const [index, key] of recordKeys.entries()) {
      const ref = sectionRefs[index] ?? null;
      if (ref === null) {
        sections[key] = null;
        continue;
      }
      const layers: LayerRef[] = [];
      for (const [at, length, indexLength, indexCrc, count] of ref[1]) {
        if (!inside(at, length)) return E.left(`its ${key} lie outside the file`);
        // A layer holds a record at least, and per record 8 bytes of its index at least.
        if (count === 0 || indexLength < 8 * (count + 1) || indexLength > length)
          return E.left(
            `its ${key} have a layer of ${count} records in ${length} bytes (${indexLength} of index)`,
          );
        layers.push({ at, length, indexLength, indexCrc, count });
      }
      const held = layers.reduce((sum, layer) => sum + layer.count, 0);
      if (layers.length === 0 || layers.length > MAX_LAYERS || ref[0] === 0 || ref[0] > held)
        return E.left(`its ${key} say they are ${ref[0]} records in ${layers.length} layers of ${held}`);
      sections[key] = { count: ref[0], layers };
    }
    const extents: ExtentRef[] = [];
    for (const [at, length, count, slots, tagsCrc] of extentRefs) {
      const extent = { at, length, count, slots, tagsCrc };
      if (!inside(at, length)) return E.left('its usage ids lie outside the file');
      const problem = extentProblem(extent);
      if (problem !== undefined) return E.left(`its usage ids have ${problem}`);
      extents.push(extent);
    }
    return E.right({ fields, sections, extents });
  }

  /**
   * The state of a partner's entry, or why it holds none. Its sections and usage ids are read when
   * the state is first asked for them; a problem found then is given to `late`, and the read throws
   * what `late` throws.
   */
  take(entry: SavedEntry, late: Corrupt): E.Either<string, TakenEntry> {
    const where = `entry ${entry.number} (partner ${entry.partnerId})`;
    const refs = this.refsOf(entry);
    if (E.isLeft(refs)) return E.left(`${where}: ${refs.left}`);
    const malformed = (problem: string) => `${where} is not a snapshot of a partner's state: ${problem}`;
    const corrupt: Corrupt = (problem) => late(malformed(problem));
    const fields = fieldsOf(refs.right.fields);
    if (E.isLeft(fields)) return E.left(malformed(fields.left));
    const sections = {} as Record<RecordKey, SectionSource | null>;
    for (const key of recordKeys) {
      const ref = refs.right.sections[key];
      if (ref === null) {
        sections[key] = null;
        continue;
      }
      const layers = ref.layers.map((layer): LayerSource => {
        const source: LayerSource = {
          count: layer.count,
          index: () => {
            const bytes = Buffer.allocUnsafeSlow(layer.indexLength);
            this.readAt(bytes, layer.at);
            if (crc32(bytes) !== layer.indexCrc)
              return late(`${where} does not match its checksum (its ${key}): the file was damaged`);
            return bytes;
          },
          rows: (start, end) => {
            if (start > end || layer.indexLength + end > layer.length)
              return late(
                `${where} is not a snapshot of a partner's state: state.${key} has rows past its end`,
              );
            const bytes = Buffer.allocUnsafe(end - start);
            this.readAt(bytes, layer.at + layer.indexLength + start);
            return bytes;
          },
        };
        this.#layers.set(source, layer);
        return source;
      });
      const source: SectionSource = { count: ref.count, layers };
      sections[key] = source;
    }
    const below = new ExtentIds(
      refs.right.extents,
      this.readAt,
      (problem) => late(`${where}: its usage ids ${problem.replace(/^has /, 'have ')}`),
      this.#arena,
    );
    this.#extentIds.add(below);
    const usage = below.size === 0 ? new IdSet() : IdSet.over(below);
    const state = stateOfParts({ fields: fields.right, sections, usage }, corrupt);
    if (E.isLeft(state)) return E.left(malformed(state.left));
    if (state.right.partnerId !== entry.partnerId)
      return E.left(`${where} holds the state of ${state.right.partnerId ?? 'no partner'}`);
    return E.right({ state: state.right, refs: refs.right });
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * The resume file opened, its header and root read and checked, its entries found (their parts are
 * read as they are needed, see ResumeFile.take); `undefined` when there is none yet; or why it cannot
 * be used. The file is left open for the run to read from: close it.
 */
export async function openResumeFile(path: string): Promise<E.Either<string, ResumeFile | undefined>> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return E.right(undefined);
    return E.left(`cannot read it: ${reasonOf(error)}`);
  }
  let opened: E.Either<string, ResumeFile> = E.left('it cannot be read');
  try {
    opened = await readOpened(path, handle);
    return opened;
  } catch (error) {
    return E.left(`cannot read it: ${reasonOf(error)}`);
  } finally {
    if (E.isLeft(opened)) await handle.close();
  }
}

async function readOpened(path: string, handle: FileHandle): Promise<E.Either<string, ResumeFile>> {
  // Its first bytes; its first line only when it may be an earlier version's JSON (see isFormat1).
  const first = Buffer.alloc(DATA_START);
  const { bytesRead } = await handle.read(first, 0, DATA_START, 0);
  let start = first.subarray(0, bytesRead);
  if (start[0] === 0x7b) {
    const line = Buffer.alloc(FORMAT_1_LINE_BYTES);
    start = line.subarray(0, (await handle.read(line, 0, FORMAT_1_LINE_BYTES, 0)).bytesRead);
  }
  const problem = formatProblem(start);
  if (problem !== undefined) return E.left(problem);
  // Its size after its superblocks: a run writes its blocks, and syncs them, before the superblock
  // that says where they end.
  const { size } = await handle.stat();
  const current = currentSuperblock(start, size);
  if (E.isLeft(current)) return current;
  const superblock = current.right;
  const rootBytes = Buffer.allocUnsafeSlow(superblock.rootLength);
  readerOf(handle)(rootBytes, superblock.rootAt);
  if (crc32(rootBytes) !== superblock.rootCrc)
    return E.left('its root does not match its checksum: the file was damaged');
  let value: unknown;
  try {
    value = JSON.parse(rootBytes.toString('utf8'));
  } catch (error) {
    return E.left(`its root is not JSON (${reasonOf(error)})`);
  }
  const root = Root.decode(value);
  if (E.isLeft(root))
    return E.left(`its header is not a resume file's: ${describeProblems(problemsOf(root.left))}`);
  const { header, live, partners } = root.right;
  if (partners.length !== header.partners)
    return E.left(`its header counts ${header.partners} partners, and it holds ${partners.length}`);
  const entries = new Map<string, SavedEntry>();
  for (const [index, json] of partners.entries()) {
    const partnerId: unknown = isArray(json) ? json[0] : undefined;
    if (!Id.is(partnerId)) return E.left(`entry ${index + 1} does not hold a partner id`);
    const before = entries.get(partnerId);
    if (before !== undefined)
      return E.left(`it holds partner ${partnerId} twice (entries ${before.number} and ${index + 1})`);
    entries.set(partnerId, { number: index + 1, partnerId, json });
  }
  const head = Buffer.from(start.subarray(0, DATA_START));
  return E.right(new ResumeFile(path, handle, size, superblock, head, header, live, entries));
}
