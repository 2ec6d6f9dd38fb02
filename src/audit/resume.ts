import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { createHash } from 'node:crypto';
import { open, rename, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { describeProblems, integerFrom, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { reasonOf } from '../lib/reason.js';
import { RuleSet, type CompiledRules } from '../policies/ruleSet.js';
import { decodeSnapshot, encodeSnapshot } from '../state/snapshot.js';
import { thaw, type MutablePartnerState } from '../state/state.js';
import { Auditor, type AuditSummary, type FindingSink } from './auditor.js';
import { paced } from './chunks.js';
import { everyLine, NdjsonSplitter } from './ndjson.js';
import { SinkFailure } from './sinkFailure.js';

/** The format of the resume files this version writes; it reads no other. */
export const RESUME_FORMAT = 1;

/** The bytes of the log the resume file fingerprints: its first ones, and the last ones before the saved position. */
export const WINDOW_BYTES = 64 * 1024;

const Count = integerFrom('Count', 0);
const Sha256 = refined(
  'Sha256',
  (u): u is string => typeof u === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(u),
  'a SHA-256 digest in base64',
);

/** Where the audit stopped in the log, and what the log's bytes were there. */
const LogPosition = struct('LogPosition', {
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

const ResumeFile = struct('ResumeFile', {
  format: t.literal(RESUME_FORMAT),
  rules: RuleSet,
  log: LogPosition,
  counts: struct('Counts', { records: Count, events: Count, findings: Count }),
  /** Each partner's state, as a snapshot (see encodeSnapshot). */
  partners: t.readonlyArray(t.tuple([Id, t.unknown])),
});
type ResumeFile = t.TypeOf<typeof ResumeFile>;
type LogPosition = t.TypeOf<typeof LogPosition>;

/**
 * How a resumable audit ended. `audited`: the findings of the lines read were given to the sink, and
 * `summary` counts the whole log (`found` the findings of this run alone; `after` is the line it
 * started after, 0 for a full audit). `refused`: the resume file does not belong to this log or these
 * rules, or cannot be read; nothing was audited and the file is left as it was. `unreadable`: the log
 * could not be read.
 */
export type ResumedAudit =
  | {
      readonly kind: 'audited';
      readonly summary: AuditSummary;
      readonly found: number;
      readonly after: number;
    }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unreadable'; readonly error: unknown };

export type ResumableAuditOptions = {
  readonly rules: CompiledRules;
  /** Resolves once what the sink was given has been taken: reading waits for it. */
  readonly ready?: () => Promise<void>;
};

const READ_BYTES = 1024 * 1024;

/** The bytes of a file from `start` to its end, a chunk at a time into one buffer (see chunksOf). */
async function* chunksFrom(handle: FileHandle, start: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
  for (let position = start; ;) {
    const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** SHA-256, in base64, of the file's bytes from `start` to `end`. */
async function digestOf(handle: FileHandle, start: number, end: number): Promise<string> {
  const bytes = Buffer.alloc(end - start);
  for (let read = 0; read < bytes.length;) {
    const { bytesRead } = await handle.read(bytes, read, bytes.length - read, start + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return createHash('sha256').update(bytes).digest('base64');
}

const fingerprint = async (handle: FileHandle, bytes: number) => ({
  head: await digestOf(handle, 0, Math.min(WINDOW_BYTES, bytes)),
  tail: await digestOf(handle, Math.max(0, bytes - WINDOW_BYTES), bytes),
});

/** The resume file read and checked, `undefined` when there is none yet, or why it cannot be used. */
async function readResumeFile(path: string): Promise<E.Either<string, ResumeFile | undefined>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return E.right(undefined);
    return E.left(`cannot read it: ${reasonOf(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return E.left(`it is not JSON (${reasonOf(error)})`);
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== RESUME_FORMAT)
    return E.left(
      `it is of format ${JSON.stringify(format) ?? 'none'}, and this version reads format ${RESUME_FORMAT} only`,
    );
  const decoded = ResumeFile.decode(value);
  if (E.isLeft(decoded))
    return E.left(`it is not a resume file: ${describeProblems(problemsOf(decoded.left))}`);
  return E.right(decoded.right);
}

/** The saved partners' states, as drafts to go on from, or why not. */
function statesOf(saved: ResumeFile): E.Either<string, Map<string, MutablePartnerState>> {
  const states = new Map<string, MutablePartnerState>();
  for (const [index, [partnerId, snapshot]] of saved.partners.entries()) {
    if (states.has(partnerId)) return E.left(`it holds partner ${partnerId} twice (partners.${index})`);
    const state = decodeSnapshot(snapshot);
    if (E.isLeft(state)) return E.left(`partners.${index}.1 is ${state.left.message}`);
    states.set(partnerId, thaw(state.right));
  }
  return E.right(states);
}

const sameRules = (a: RuleSet, b: RuleSet): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Why the saved position does not fit this log, if it does not. */
async function mismatch(handle: FileHandle, size: number, log: LogPosition): Promise<string | undefined> {
  if (size < log.bytes)
    return `the log has ${size} bytes, fewer than the ${log.bytes} audited: it was cut or replaced`;
  const now = await fingerprint(handle, log.bytes);
  if (now.head !== log.head || now.tail !== log.tail)
    return `the log's bytes before the saved position (${log.bytes}) are not the ones audited: another log, or one rewritten`;
  if (!log.ended && size > log.bytes)
    return `the log's last line had no newline when it was saved, and the log has grown since: the new bytes may continue that line`;
  return undefined;
}

/** Writes the resume file whole, then puts it in place: a run that stops halfway leaves the earlier one. */
async function saveResumeFile(path: string, saved: ResumeFile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(saved));
  await rename(temporary, path);
}

/**
 * Audits an NDJSON log file and keeps, in `resumeFile`, what lets a later run over the grown log read
 * only the lines added since: every partner's state (as snapshots), the counts, the rule set, and
 * the position (lines and bytes read) with a fingerprint of the log's bytes before it.
 *
 * Without a resume file, the whole log is audited (in this thread: the states are needed here) and
 * the file written. With one that fits the log (see mismatch) and the rules, only the bytes after the
 * saved position are read: their findings go to the sink, their positions counting on from the saved
 * lines, and the summary counts the whole log; the file is then brought up to date. The findings of
 * a full audit of the log are those of the first run followed by those of each resumed run.
 *
 * A resume file of another rule set or log, of a log that was cut, of another format, or that does
 * not decode, is refused (nothing is audited, and the file is left as it is). Rejects only with what
 * the sink throws, or when the resume file cannot be written.
 */
export async function auditLogResuming(
  file: string,
  resumeFile: string,
  sink: FindingSink,
  { rules, ready }: ResumableAuditOptions,
): Promise<ResumedAudit> {
  const saved = await readResumeFile(resumeFile);
  if (E.isLeft(saved)) return { kind: 'refused', reason: `${resumeFile}: ${saved.left}` };
  const from = saved.right;
  if (from !== undefined && !sameRules(from.rules, rules.source))
    return {
      kind: 'refused',
      reason: `${resumeFile} was saved under the ${from.rules.name} rules, not these (${rules.source.name})`,
    };
  const states = from === undefined ? E.right(new Map<string, MutablePartnerState>()) : statesOf(from);
  if (E.isLeft(states)) return { kind: 'refused', reason: `${resumeFile}: ${states.left}` };
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(file, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    return { kind: 'unreadable', error };
  }
  try {
    if (from !== undefined) {
      const wrong = await mismatch(handle, size, from.log);
      if (wrong !== undefined)
        return { kind: 'refused', reason: `${resumeFile} does not fit ${file}: ${wrong}` };
    }
    const start = from?.log ?? { lines: 0, bytes: 0, ended: true };
    const auditor = new Auditor(rules, (finding) => {
      try {
        sink(finding);
      } catch (error) {
        throw new SinkFailure(error);
      }
    });
    if (from !== undefined) auditor.resumeFrom({ states: states.right, ...from.counts });
    const before = auditor.summary().findings;
    const splitter = new NdjsonSplitter(
      {
        value: (position, value) => auditor.record(start.lines + position, value),
        problem: (position, problem) => auditor.unreadable(start.lines + position, problem),
      },
      everyLine,
    );
    let bytes = start.bytes;
    let last = -1;
    const chunks = chunksFrom(handle, start.bytes);
    try {
      for await (const chunk of ready === undefined ? chunks : paced(chunks, ready)) {
        splitter.push(chunk);
        bytes += chunk.length;
        last = chunk[chunk.length - 1] ?? last;
      }
      splitter.end();
    } catch (error) {
      if (error instanceof SinkFailure) throw error.error;
      return { kind: 'unreadable', error };
    }
    const summary = auditor.summary();
    const position: LogPosition = {
      lines: start.lines + splitter.lines,
      bytes,
      ended: last === -1 ? start.ended : last === 0x0a,
      ...(await fingerprint(handle, bytes)),
    };
    await saveResumeFile(resumeFile, {
      format: RESUME_FORMAT,
      rules: rules.source,
      log: position,
      counts: { records: summary.records, events: summary.events, findings: summary.findings },
      partners: [...auditor.partnerStates].map(([partnerId, state]) => [partnerId, encodeSnapshot(state)]),
    });
    return { kind: 'audited', summary, found: summary.findings - before, after: start.lines };
  } finally {
    await handle.close();
  }
}
