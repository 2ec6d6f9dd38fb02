import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { open, readFile, rename } from 'node:fs/promises';
import { describeProblems, integerFrom, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { reasonOf } from '../lib/reason.js';
import { RuleSet } from '../policies/ruleSet.js';
import { decodeSnapshotBytes, snapshotBytes } from '../state/snapshot.js';
import type { PartnerState } from '../state/state.js';

/**
 * The resume file, in binary: MAGIC, the format (u32), the header's length (u32) and the header as
 * JSON, then one entry per partner: the id's length (u32) and the id (UTF-8), the snapshot's length
 * (u32) and the snapshot in binary (see snapshotBytes), and nothing after the last. Every length is
 * little-endian. An entry stands alone, so a run decodes only the partners it meets again and writes
 * the others' entries back byte for byte. Format 2 held each snapshot as JSON.
 */
export const RESUME_FORMAT = 3;
const MAGIC = Buffer.from('APSS-RESUME\n', 'latin1');
const LENGTH_BYTES = 4;

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

/** A partner's entry as the file holds it: all its bytes (to be written back as they are), and its snapshot's. */
export type SavedEntry = { readonly number: number; readonly bytes: Buffer; readonly snapshot: Buffer };

/** A resume file read: its header, and each partner's entry, in the file's order. */
export type ResumeFile = { readonly header: ResumeHeader; readonly entries: ReadonlyMap<string, SavedEntry> };

const lengthPrefixed = (bytes: Buffer): Buffer[] => {
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32LE(bytes.length);
  return [length, bytes];
};

/** The entry of a partner's state: its id and its snapshot, each after its length, written into one buffer. */
export function entryOf(partnerId: string, state: PartnerState): Buffer {
  const snapshot = snapshotBytes(state);
  const idBytes = Buffer.byteLength(partnerId, 'utf8');
  const snapshotAt = 2 * LENGTH_BYTES + idBytes;
  const entry = Buffer.allocUnsafe(snapshotAt + snapshot.length);
  entry.writeUInt32LE(idBytes, 0);
  entry.write(partnerId, LENGTH_BYTES, 'utf8');
  entry.writeUInt32LE(snapshot.length, LENGTH_BYTES + idBytes);
  entry.set(snapshot, snapshotAt);
  return entry;
}

/** The entries of a file, checked to hold exactly the partners its header counts, each once; or why not. */
function entriesOf(bytes: Buffer, from: number, partners: number): E.Either<string, Map<string, SavedEntry>> {
  const entries = new Map<string, SavedEntry>();
  let at = from;
  const cut = (number: number) =>
    E.left(
      `entry ${number} runs past the end of the file (byte ${bytes.length}): the file was cut short, or a length in it is wrong`,
    );
  while (at < bytes.length) {
    const number = entries.size + 1;
    const start = at;
    if (at + LENGTH_BYTES > bytes.length) return cut(number);
    const idEnd = at + LENGTH_BYTES + bytes.readUInt32LE(at);
    if (idEnd + LENGTH_BYTES > bytes.length) return cut(number);
    const end = idEnd + LENGTH_BYTES + bytes.readUInt32LE(idEnd);
    if (end > bytes.length) return cut(number);
    const partnerId = bytes.toString('utf8', at + LENGTH_BYTES, idEnd);
    if (!Id.is(partnerId)) return E.left(`entry ${number} does not begin with a partner id`);
    const before = entries.get(partnerId);
    if (before !== undefined)
      return E.left(`it holds partner ${partnerId} twice (entries ${before.number} and ${number})`);
    entries.set(partnerId, {
      number,
      bytes: bytes.subarray(start, end),
      snapshot: bytes.subarray(idEnd + LENGTH_BYTES, end),
    });
    at = end;
  }
  if (entries.size !== partners)
    return E.left(`its header counts ${partners} partners, and it holds ${entries.size}`);
  return E.right(entries);
}

/** What the file's first bytes say it is, or why it is not a resume file this version reads. */
function formatProblem(bytes: Buffer): string | undefined {
  if (bytes[0] === 0x7b)
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
 * The resume file read, its header decoded and its entries found (their snapshots are decoded as
 * they are needed, see decodeEntry); `undefined` when there is none yet; or why it cannot be used.
 */
export async function readResumeFile(path: string): Promise<E.Either<string, ResumeFile | undefined>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return E.right(undefined);
    return E.left(`cannot read it: ${reasonOf(error)}`);
  }
  const problem = formatProblem(bytes);
  if (problem !== undefined) return E.left(problem);
  const headerStart = MAGIC.length + 2 * LENGTH_BYTES;
  const headerEnd = headerStart + bytes.readUInt32LE(MAGIC.length + LENGTH_BYTES);
  if (headerEnd > bytes.length) return E.left('it was cut short, inside its header');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', headerStart, headerEnd));
  } catch (error) {
    return E.left(`its header is not JSON (${reasonOf(error)})`);
  }
  const header = ResumeHeader.decode(value);
  if (E.isLeft(header))
    return E.left(`its header is not a resume file's: ${describeProblems(problemsOf(header.left))}`);
  const entries = entriesOf(bytes, headerEnd, header.right.partners);
  if (E.isLeft(entries)) return entries;
  return E.right({ header: header.right, entries: entries.right });
}

/** The state a partner's entry holds, or why it holds none. */
export function decodeEntry(partnerId: string, entry: SavedEntry): E.Either<string, PartnerState> {
  const where = `entry ${entry.number} (partner ${partnerId})`;
  const state = decodeSnapshotBytes(entry.snapshot);
  if (E.isLeft(state)) return E.left(`${where} is ${state.left.message}`);
  if (state.right.partnerId !== partnerId)
    return E.left(`${where} holds the state of ${state.right.partnerId ?? 'no partner'}`);
  return state;
}

const IOV_BATCH = 512;

/**
 * Writes the resume file whole (the header, then the entries as given), then puts it in place: a
 * run that stops halfway leaves the earlier one.
 */
export async function saveResumeFile(
  path: string,
  header: ResumeHeader,
  entries: readonly Buffer[],
): Promise<void> {
  const format = Buffer.alloc(LENGTH_BYTES);
  format.writeUInt32LE(RESUME_FORMAT);
  const parts = [MAGIC, format, ...lengthPrefixed(Buffer.from(JSON.stringify(header), 'utf8')), ...entries];
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    for (let at = 0; at < parts.length; at += IOV_BATCH) {
      const batch = parts.slice(at, at + IOV_BATCH);
      const { bytesWritten } = await handle.writev(batch);
      const expected = batch.reduce((sum, part) => sum + part.length, 0);
      if (bytesWritten !== expected) throw new Error(`wrote ${bytesWritten} of ${expected} bytes`);
    }
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}
