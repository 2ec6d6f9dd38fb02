import * as E from 'fp-ts/lib/Either.js';
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { CompiledRules, RuleSet } from '../policies/ruleSet.js';
import { thaw, type MutablePartnerState } from '../state/state.js';
import { Auditor, type AuditSummary, type FindingSink, type SavedStates } from './auditor.js';
import { openResumeFile, type EntryRefs, type LogPosition, type ResumeFile } from './resumeFile.js';
import { planResumeFile, saveResumeFile, type EntryToWrite, type ResumePlan } from './resumeSave.js';
import { paced } from './chunks.js';
import { reasonOf } from '../lib/reason.js';
import { everyLine, NdjsonSplitter } from './ndjson.js';
import { SinkFailure } from './sinkFailure.js';

export { RESUME_FORMAT } from './resumeFile.js';

/** The bytes of the log the resume file fingerprints: its first ones, and the last ones before the saved position. */
export const WINDOW_BYTES = 64 * 1024;

/**
 * How a resumable audit ended. `audited`: the findings of the lines read were given to the sink, and
 * `summary` counts the whole log (`found` the findings of this run alone; `after` is the line it
 * started after, 0 for a full audit). `refused`: the resume file does not belong to this log or these
 * rules, or cannot be read; the file is left as it was, and nothing was audited, except when a
 * partner's entry is found not to decode as the partner is met again, or a part of its state when
 * it is first read (findings of the lines before may then have gone to the sink). `unreadable`: the
 * log could not be read.
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
  /**
   * Called once every line is audited, with what the run will answer, before the resume file is
   * brought up to date: the file moves on only once it resolves (the caller's report written, say),
   * and a rejection leaves the file as it was and is what the run rejects with, so that findings
   * whose report failed are found again by the next run.
   */
  readonly finished?: (audited: AuditedRun) => Promise<void>;
};

/** What a run that audited answers (see ResumedAudit). */
export type AuditedRun = Extract<ResumedAudit, { readonly kind: 'audited' }>;

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

/** A run's way to the saved states: each partner's entry read when the partner is first seen. */
class SavedPartners implements SavedStates {
  /** Where the parts of each partner taken were in the file. */
  readonly taken = new Map<string, EntryRefs>();
  constructor(private readonly file: ResumeFile) {}

  take(partnerId: string): MutablePartnerState | undefined {
    const entry = this.file.entries.get(partnerId);
    if (entry === undefined) return undefined;
    const taken = this.file.take(entry, (message) => {
      throw new CorruptEntry(message);
    });
    if (E.isLeft(taken)) throw new CorruptEntry(taken.left);
    this.taken.set(partnerId, taken.right.refs);
    return thaw(taken.right.state);
  }

  get untaken(): number {
    return this.file.entries.size - this.taken.size;
  }
}

/**
 * What a run rejects with when its resume file could not be written (a folder that does not exist, a
 * full disk, FILE.lock held): its findings were given, and the file is as it was, so the next run
 * gives them again; but for a failure of the last sync, after the file was pointed at what the run
 * wrote, when the file has moved on.
 */
export class ResumeFileUnwritten extends Error {}

/**
 * Ends a run that met a partner whose saved entry does not decode, or a part of whose state does not
 * when it is first read (thrown through the auditor).
 */
class CorruptEntry extends Error {}

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

/**
 * Audits an NDJSON log file and keeps, in `resumeFile`, what lets a later run over the grown log read
 * only the lines added since: every partner's state (in parts read where they lie, see resumeFile.ts),
 * the counts, the rule set, and the position (lines and bytes read) with a fingerprint of the log's
 * bytes before it.
 *
 * Without a resume file, the whole log is audited (in this thread: the states are needed here) and
 * the file written. With one that fits the log (see mismatch) and the rules, only the bytes after the
 * saved position are read: their findings go to the sink, their positions counting on from the saved
 * lines, and the summary counts the whole log; the file is then brought up to date, at its end (see
 * resumeSave.ts). The findings of a full audit of the log are those of the first run followed by
 * those of each resumed run.
 *
 * A resume file of another rule set or log, of a log that was cut, of another format, or whose
 * superblock or root does not decode, is refused (nothing is audited, and the file is left as it
 * is). A partner's saved state is read only when the partner is met in the new lines, each part as
 * it is first read (and checked then); the others are not read: a part that does not decode refuses
 * the file when it is read, which may be as the run plans what it writes (before `finished`: a
 * refused run never calls it). Rejects only with what
 * the sink throws, what `finished` rejects with, or, when the resume file cannot be written (or was
 * written by another run since this one read it), a ResumeFileUnwritten.
 */
export async function auditLogResuming(
  file: string,
  resumeFile: string,
  sink: FindingSink,
  { rules, ready, finished }: ResumableAuditOptions,
): Promise<ResumedAudit> {
  const opened = await openResumeFile(resumeFile);
  if (E.isLeft(opened)) return { kind: 'refused', reason: `${resumeFile}: ${opened.left}` };
  const saved = opened.right;
  try {
    return await resumeWith(file, resumeFile, saved, sink, { rules, ready, finished });
  } finally {
    await saved?.close();
  }
}

async function resumeWith(
  file: string,
  resumeFile: string,
  saved: ResumeFile | undefined,
  sink: FindingSink,
  { rules, ready, finished }: ResumableAuditOptions,
): Promise<ResumedAudit> {
  const from = saved?.header;
  if (from !== undefined && !sameRules(from.rules, rules.source))
    return {
      kind: 'refused',
      reason: `${resumeFile} was saved under the ${from.rules.name} rules, not these (${rules.source.name})`,
    };
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
    const partners = saved === undefined ? undefined : new SavedPartners(saved);
    if (partners !== undefined && from !== undefined) auditor.resumeFrom({ saved: partners, ...from.counts });
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
      if (error instanceof CorruptEntry)
        return { kind: 'refused', reason: `${resumeFile}: ${error.message}` };
      return { kind: 'unreadable', error };
    }
    const summary = auditor.summary();
    const audited: AuditedRun = {
      kind: 'audited',
      summary,
      found: summary.findings - before,
      after: start.lines,
    };
    // The partners in the file's order, each met in this run written anew where it changed (every
    // partner taken is one the auditor keeps), the others as they were; then the new ones. Planned
    // before the run answers: a part first read to be written (rows kept, ids merged) that does not
    // decode refuses the file now, not after the caller took the answer.
    const seen = auditor.partnerStates;
    const entries = saved?.entries ?? new Map();
    const written: EntryToWrite[] = [];
    for (const [partnerId, entry] of entries) {
      const state = seen.get(partnerId);
      written.push(
        state === undefined ? { saved: entry } : { partnerId, state, was: partners?.taken.get(partnerId) },
      );
    }
    for (const [partnerId, state] of seen) if (!entries.has(partnerId)) written.push({ partnerId, state });
    let plan: ResumePlan;
    try {
      plan = planResumeFile(saved, written);
    } catch (error) {
      if (error instanceof CorruptEntry)
        return { kind: 'refused', reason: `${resumeFile}: ${error.message}` };
      // A part of it that could not be read (cut short since it was opened, an I/O error).
      return { kind: 'refused', reason: `${resumeFile}: cannot read it: ${reasonOf(error)}` };
    }
    await finished?.(audited);
    const position: LogPosition = {
      lines: start.lines + splitter.lines,
      bytes,
      ended: last === -1 ? start.ended : last === 0x0a,
      ...(await fingerprint(handle, bytes)),
    };
    await saveResumeFile(resumeFile, plan, {
      rules: rules.source,
      log: position,
      counts: { records: summary.records, events: summary.events, findings: summary.findings },
      partners: written.length,
    }).catch((error: unknown) => {
      throw new ResumeFileUnwritten(`cannot write ${resumeFile}: ${reasonOf(error)}`, { cause: error });
    });
    return audited;
  } finally {
    await handle.close();
  }
}
