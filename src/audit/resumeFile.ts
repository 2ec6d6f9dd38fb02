import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { crc32 } from 'node:zlib';
import { constants } from 'node:buffer';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { describeProblems, integerFrom, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { reasonOf } from '../lib/reason.js';
import { RuleSet } from '../policies/ruleSet.js';
import { stateBytes, stateOfBytes } from '../state/stateBytes.js';
import type { PartnerState } from '../state/state.js';

/**
 * The resume file, in binary: MAGIC, the format (u32), the header's length (u32) and the header as
 * JSON (spaces after it to a multiple of 4 bytes), the index's checksum (u32), then one entry per
 * partner, and nothing after the last. An entry: the length of the rest of it (u32), its checksum
 * (u32), the partner id's length (u32) and the id (UTF-8), zero bytes to a multiple of
 * 4, then the partner's state as bytes read in place (see stateBytes.ts), whose length is a multiple
 * of 4 too: every entry starts at a multiple of 4 from the file's start, and so does every part of a
 * state that is read in place. Every length is little-endian.
 *
 * A checksum is a CRC-32 (zlib's): it guards against accidental damage, a byte changed or a file
 * cut short, which a CRC-32 detects (any burst of up to 32 bits, and all but one in 2^32 of other
 * changes), not against a file made to deceive, which whoever can write it could give any checksum.
 * An entry's is of its bytes after it, checked when its partner is first met
 * (a state read in place is trusted to be the one written). The index's is of the header's bytes,
 * then of each entry's first bytes up to the end of its id (its length, checksum and partner id): it
 * is checked as the file is read, so that no entry can be taken for another partner's, or cut, or
 * lose its checksum unseen. An entry stands alone, so a run reads only the partners it meets again
 * and writes the others' entries back byte for byte. Format 3 held each state as one snapshot
 * decoded whole, format 2 as JSON.
 */
export const RESUME_FORMAT = 4;
const MAGIC = Buffer.from('APSS-RESUME\n', 'latin1');
const LENGTH_BYTES = 4;
const CHECKSUM_BYTES = 4;
const WORD = 4;
const { MAX_LENGTH } = constants;

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

/**
 * A partner's entry as the file holds it: all its bytes (to be written back as they are), its
 * checksum, the bytes the checksum is of, and the state's.
 */
export type SavedEntry = {
  readonly number: number;
  readonly bytes: Buffer;
  readonly checksum: number;
  readonly checked: Buffer;
  readonly state: Buffer;
};

/** A resume file read: its header, and each partner's entry, in the file's order. */
export type ResumeFile = { readonly header: ResumeHeader; readonly entries: ReadonlyMap<string, SavedEntry> };

/** What a resume file is written of, per partner: its entry as it was read, or its state, to be encoded. */
export type EntryToWrite =
  { readonly saved: SavedEntry } | { readonly partnerId: string; readonly state: PartnerState };

const padding = (length: number): number => (WORD - (length % WORD)) % WORD;

/**
 * The entries of a file, checked to hold exactly the partners its header counts, each once, and to
 * be the ones its index's checksum was taken of; or why not.
 */
function entriesOf(
  bytes: Buffer,
  from: number,
  partners: number,
  headerChecksum: number,
  indexChecksum: number,
): E.Either<string, Map<string, SavedEntry>> {
  const entries = new Map<string, SavedEntry>();
  let index = headerChecksum;
  let at = from;
  const cut = (number: number) =>
    E.left(
      `entry ${number} runs past the end of the file (byte ${bytes.length}): the file was cut short, or a length in it is wrong`,
    );
  while (at < bytes.length) {
    const number = entries.size + 1;
    const start = at;
    const idAt = at + LENGTH_BYTES + CHECKSUM_BYTES;
    if (idAt + LENGTH_BYTES > bytes.length) return cut(number);
    const end = at + LENGTH_BYTES + bytes.readUInt32LE(at);
    const idEnd = idAt + LENGTH_BYTES + bytes.readUInt32LE(idAt);
    if (end > bytes.length) return cut(number);
    if (idEnd > end) return E.left(`entry ${number} holds a partner id longer than itself`);
    const stateAt = idEnd + padding(idEnd - start);
    if (stateAt > end) return E.left(`entry ${number} holds a partner id longer than itself`);
    const partnerId = bytes.toString('utf8', idAt + LENGTH_BYTES, idEnd);
    if (!Id.is(partnerId)) return E.left(`entry ${number} does not hold a partner id`);
    const before = entries.get(partnerId);
    if (before !== undefined)
      return E.left(`it holds partner ${partnerId} twice (entries ${before.number} and ${number})`);
    index = crc32(bytes.subarray(start, idEnd), index);
    entries.set(partnerId, {
      number,
      bytes: bytes.subarray(start, end),
      checksum: bytes.readUInt32LE(start + LENGTH_BYTES),
      checked: bytes.subarray(idAt, end),
      state: bytes.subarray(stateAt, end),
    });
    at = end;
  }
  if (entries.size !== partners)
    return E.left(`its header counts ${partners} partners, and it holds ${entries.size}`);
  if (index !== indexChecksum)
    return E.left(
      "its header and its entries' lengths, checksums and partner ids are not those its index's checksum was taken of: the file was damaged",
    );
  return E.right(entries);
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
  const line = bytes.toString('utf8', 0, Math.min(end === -1 ? bytes.length : end, FORMAT_1_LINE_BYTES));
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
  if (bytes.length < MAGIC.length + 2 * LENGTH_BYTES) return 'it was cut short, inside its header';
  const format = bytes.readUInt32LE(MAGIC.length);
  if (format !== RESUME_FORMAT)
    return `it is of format ${format}, and this version reads format ${RESUME_FORMAT} only`;
  return undefined;
}

/**
 * A file's bytes in one buffer, read a slice at a time (`readFile` refuses a file of 2 GiB or more);
 * `undefined` when there is no file; or why it cannot be read whole.
 */
export async function readWhole(
  path: string,
  sliceBytes = WRITE_BYTES,
): Promise<E.Either<string, Buffer> | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_LENGTH)
      return E.left(`it has ${size} bytes, more than the ${MAX_LENGTH} one buffer holds`);
    const bytes = Buffer.allocUnsafeSlow(size);
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(sliceBytes, size - at), at);
      if (bytesRead === 0) return E.left(`it was cut short while read (${at} of ${size} bytes)`);
      at += bytesRead;
    }
    return E.right(bytes);
  } finally {
    await handle.close();
  }
}

/**
 * The resume file read, its header decoded and its entries found (their snapshots are decoded as
 * they are needed, see decodeEntry); `undefined` when there is none yet; or why it cannot be used.
 */
export async function readResumeFile(path: string): Promise<E.Either<string, ResumeFile | undefined>> {
  let bytes: Buffer;
  try {
    const whole = await readWhole(path);
    if (whole === undefined) return E.right(undefined);
    if (E.isLeft(whole)) return whole;
    bytes = whole.right;
  } catch (error) {
    return E.left(`cannot read it: ${reasonOf(error)}`);
  }
  const problem = formatProblem(bytes);
  if (problem !== undefined) return E.left(problem);
  const headerStart = MAGIC.length + 2 * LENGTH_BYTES;
  const headerEnd = headerStart + bytes.readUInt32LE(MAGIC.length + LENGTH_BYTES);
  if (headerEnd + CHECKSUM_BYTES > bytes.length) return E.left('it was cut short, inside its header');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', headerStart, headerEnd));
  } catch (error) {
    return E.left(`its header is not JSON (${reasonOf(error)})`);
  }
  const header = ResumeHeader.decode(value);
  if (E.isLeft(header))
    return E.left(`its header is not a resume file's: ${describeProblems(problemsOf(header.left))}`);
  const entries = entriesOf(
    bytes,
    headerEnd + CHECKSUM_BYTES,
    header.right.partners,
    crc32(bytes.subarray(headerStart, headerEnd)),
    bytes.readUInt32LE(headerEnd),
  );
  if (E.isLeft(entries)) return entries;
  return E.right({ header: header.right, entries: entries.right });
}

/**
 * The state a partner's entry holds, or why it holds none: its checksum is checked, then the state
 * read in place (see stateOfBytes). A part of it found not to decode when it is first read, later,
 * is given to `late` with what to say, and the read throws what `late` throws. The entry is used up:
 * its usage table is written where it is when the state's draft adds an id (see stateOfBytes), so
 * an entry decoded is neither decoded again nor written back as it was, but encoded anew.
 */
export function decodeEntry(
  partnerId: string,
  entry: SavedEntry,
  late: (message: string) => never,
): E.Either<string, PartnerState> {
  const where = `entry ${entry.number} (partner ${partnerId})`;
  if (crc32(entry.checked) !== entry.checksum)
    return E.left(`${where} does not match its checksum: the file was damaged`);
  const malformed = (problem: string) => `${where} is not a snapshot of a partner's state: ${problem}`;
  const state = stateOfBytes(entry.state, (problem) => late(malformed(problem)), { tableGiven: true });
  if (E.isLeft(state)) return E.left(malformed(state.left));
  if (state.right.partnerId !== partnerId)
    return E.left(`${where} holds the state of ${state.right.partnerId ?? 'no partner'}`);
  return state;
}

const IOV_BATCH = 512;
/** The buffer entries are encoded into, reused from one batch of writes to the next. */
const SCRATCH_BYTES = 4 * 1024 * 1024;
/**
 * The most bytes one write is given: Node reports what a write wrote as a 32-bit integer, so a write
 * of 2 GiB or more would say it wrote a negative count, though it wrote every byte.
 */
export const WRITE_BYTES = 1024 * 1024 * 1024;

/** What BatchWriter writes with (a FileHandle's own). */
export type BatchTarget = Pick<FileHandle, 'writev'>;

/**
 * A file written in batches of parts: entries encoded into a buffer that is reused once what was in
 * it is written, so that encoding every partner's state costs no more memory than the buffer, and
 * entries read, written from where they are. A batch holds at most IOV_BATCH parts and `writeBytes`
 * bytes; a part longer than that is written a slice at a time.
 */
export class BatchWriter {
  #parts: Uint8Array[] = [];
  #scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  #used = 0;
  constructor(
    private readonly handle: BatchTarget,
    private readonly writeBytes = WRITE_BYTES,
  ) {}

  async add(part: Uint8Array): Promise<void> {
    this.#parts.push(part);
    if (this.#parts.length >= IOV_BATCH) await this.flush();
  }

  /** A buffer of `length` bytes to fill, then add, before the next call. */
  async space(length: number): Promise<Buffer> {
    if (length > SCRATCH_BYTES) return Buffer.allocUnsafe(length);
    if (this.#used + length > SCRATCH_BYTES) await this.flush();
    const space = this.#scratch.subarray(this.#used, this.#used + length);
    this.#used += length;
    return space;
  }

  async flush(): Promise<void> {
    const parts = this.#parts;
    this.#parts = [];
    this.#used = 0;
    let batch: Uint8Array[] = [];
    let bytes = 0;
    for (const part of parts)
      for (let at = 0; at < part.length; at += this.writeBytes) {
        const slice = part.subarray(at, at + this.writeBytes);
        if (batch.length === IOV_BATCH || bytes + slice.length > this.writeBytes) {
          await this.#write(batch, bytes);
          batch = [];
          bytes = 0;
        }
        batch.push(slice);
        bytes += slice.length;
      }
    await this.#write(batch, bytes);
  }

  async #write(batch: Uint8Array[], expected: number): Promise<void> {
    if (batch.length === 0) return;
    // libuv writes again what a writev leaves; less written is an error it met (a full disk, say).
    const { bytesWritten } = await this.handle.writev(batch);
    if (bytesWritten !== expected) throw new Error(`wrote ${bytesWritten} of ${expected} bytes`);
  }
}

/** Encodes a partner's entry (see RESUME_FORMAT) into the writer's buffer; answers its bytes. */
async function encodeEntry(writer: BatchWriter, partnerId: string, state: PartnerState): Promise<Buffer> {
  const idBytes = Buffer.byteLength(partnerId, 'utf8');
  const idAt = LENGTH_BYTES + CHECKSUM_BYTES;
  const stateAt = idAt + LENGTH_BYTES + idBytes + padding(idBytes);
  const { parts, length } = stateBytes(state);
  const entry = await writer.space(stateAt + length);
  entry.writeUInt32LE(entry.length - LENGTH_BYTES, 0);
  entry.writeUInt32LE(idBytes, idAt);
  entry.write(partnerId, idAt + LENGTH_BYTES, 'utf8');
  entry.fill(0, idAt + LENGTH_BYTES + idBytes, stateAt);
  let at = stateAt;
  for (const part of parts) {
    entry.set(part, at);
    at += part.length;
  }
  entry.writeUInt32LE(crc32(entry.subarray(idAt)), LENGTH_BYTES);
  return entry;
}

/**
 * Writes the resume file whole (the header, then the entries as given: those read as they were, the
 * states encoded), then puts it in place: a run that stops halfway leaves the earlier one.
 */
export async function saveResumeFile(
  path: string,
  header: ResumeHeader,
  entries: Iterable<EntryToWrite>,
): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    try {
      await writeResumeFile(handle, header, entries);
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // Nothing is left behind of a file not put in place.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function writeResumeFile(
  handle: FileHandle,
  header: ResumeHeader,
  entries: Iterable<EntryToWrite>,
): Promise<void> {
  const json = JSON.stringify(header);
  const headerBytes = Buffer.from(
    json.padEnd(json.length + padding(Buffer.byteLength(json, 'utf8'))),
    'utf8',
  );
  const start = Buffer.alloc(MAGIC.length + 2 * LENGTH_BYTES);
  MAGIC.copy(start);
  start.writeUInt32LE(RESUME_FORMAT, MAGIC.length);
  start.writeUInt32LE(headerBytes.length, MAGIC.length + LENGTH_BYTES);
  let index = crc32(headerBytes);
  const writer = new BatchWriter(handle);
  // The index's checksum is known once every entry is: its place is written last.
  for (const part of [start, headerBytes, Buffer.alloc(CHECKSUM_BYTES)]) await writer.add(part);
  for (const entry of entries) {
    const bytes =
      'saved' in entry ? entry.saved.bytes : await encodeEntry(writer, entry.partnerId, entry.state);
    const idAt = LENGTH_BYTES + CHECKSUM_BYTES;
    index = crc32(bytes.subarray(0, idAt + LENGTH_BYTES + bytes.readUInt32LE(idAt)), index);
    await writer.add(bytes);
  }
  await writer.flush();
  const checksumAt = start.length + headerBytes.length;
  const checksum = Buffer.alloc(CHECKSUM_BYTES);
  checksum.writeUInt32LE(index);
  const { bytesWritten } = await handle.write(checksum, 0, CHECKSUM_BYTES, checksumAt);
  if (bytesWritten !== CHECKSUM_BYTES) throw new Error(`wrote ${bytesWritten} of ${CHECKSUM_BYTES} bytes`);
}
