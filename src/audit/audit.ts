import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, isAsyncIterable, isIterable, preview, problemsOf, struct } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { compileRules, defaultRules, type CompiledRules, type RuleSet } from '../policies/ruleSet.js';
import {
  Auditor,
  stopped,
  type AuditReport,
  type Finding,
  type LogAuditReport,
  type AuditSummary,
  type LogFinding,
  type FindingSink,
} from './auditor.js';
import { counting, paced } from './chunks.js';
import { decodeEvent } from '../events/decode.js';
import type { RecordObserver } from './observer.js';
import { readNdjson } from './ndjson.js';
import { SinkFailure } from './sinkFailure.js';
import { ChainCheck, linkEntryOf, passLinkEntry } from '../seal/verify.js';
import { VerifyOptions } from '../seal/checkpoint.js';

export type AuditOptions = {
  readonly rules?: RuleSet | undefined;
  /**
   * Verify the log's chain while auditing it (see docs/integrity.md): each break is a CHAIN_BROKEN
   * finding, and a log that does not pass through each of `checkpoints` (heads whose signatures
   * were checked: see verifyCheckpoint) a CHECKPOINT_MISMATCH. `true` is `{}`. The report's `chain`
   * says whether the log was sealed, and its head.
   */
  readonly verify?: boolean | VerifyOptions | undefined;
};

/** The options as given; the rule set itself is checked (and cached) by compileRules. */
const AuditOptionsCodec = struct(
  'AuditOptions',
  {},
  { rules: t.unknown, verify: t.union([t.boolean, VerifyOptions]) },
);

/** What an audit is to do, its options decoded. */
type AuditPlan = { readonly rules: CompiledRules; readonly verify: VerifyOptions | undefined };

/** The one finding of an audit that reads no record; position 0 is the audit itself. */
const refusal = (code: 'INVALID_COMMAND' | 'MALFORMED_EVENT', message: string): LogFinding => ({
  position: 0,
  code,
  message,
});

/**
 * A record judged; one whose reading throws (the caller's own getter or Proxy) is a MALFORMED_EVENT
 * finding at its position, and the audit goes on.
 */
function judge(auditor: Auditor, position: number, record: unknown, observer?: RecordObserver): void {
  const before = auditor.recordCount;
  try {
    if (observer === undefined) auditor.record(position, record);
    else {
      const decoded = decodeEvent(record);
      if (E.isLeft(decoded)) {
        observer.malformed(position, record);
        auditor.malformed(position, record, decoded.left);
      } else {
        const event = decoded.right;
        observer.event(position, event, record, auditor.stateOf(event.data.partnerId));
        auditor.event(position, event);
      }
    }
  } catch (error) {
    if (error instanceof SinkFailure) throw error;
    if (auditor.recordCount === before)
      unreadable(auditor, position, `the record could not be read: ${reasonOf(error)}`, observer);
  }
}

function unreadable(auditor: Auditor, position: number, problem: string, observer?: RecordObserver): void {
  observer?.unreadable(position, problem);
  auditor.unreadable(position, problem);
}

/** Whether the records can be read at all, asked without letting a throwing getter or Proxy through. */
function sourceKind(records: unknown): 'async' | 'sync' | 'neither' {
  try {
    return isAsyncIterable(records) ? 'async' : isIterable(records) ? 'sync' : 'neither';
  } catch {
    return 'neither';
  }
}

/** The options decoded and the rule set compiled, or why not; reading options may run the caller's code. */
function planOf(options: unknown): E.Either<string, AuditPlan> {
  try {
    const decodedOptions = AuditOptionsCodec.decode(options ?? {});
    if (E.isLeft(decodedOptions))
      return E.left(`invalid options: ${describeProblems(problemsOf(decodedOptions.left))}`);
    const { verify } = decodedOptions.right;
    return E.map((rules: CompiledRules) => ({
      rules,
      verify: verify === true ? {} : verify === false ? undefined : verify,
    }))(compileRules(decodedOptions.right.rules ?? defaultRules));
  } catch (error) {
    return E.left(`invalid options: they could not be read: ${reasonOf(error)}`);
  }
}

/** Records of an async source read between two waits for the sink's reader (see OneThreadOptions.ready). */
const RECORDS_BETWEEN_WAITS = 1024;

/**
 * Records of a sync source judged between two turns of the event loop: a service that audits a
 * million records held in memory goes on answering meanwhile, held up some milliseconds at a time.
 */
const RECORDS_BETWEEN_TURNS = 4096;

/** Lets whatever waits on the event loop run (timers, I/O), then goes on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export type OneThreadOptions = {
  /** The findings of positions up to here were given already (by threads that gave up), and are not given again. */
  readonly after?: number;
  /** Resolves once what the sink was given has been taken: reading waits for it now and then. */
  readonly ready?: () => Promise<void>;
  /** The records (or lines) read so far, and the bytes of a byte source; called often, cheaply. */
  readonly progress?: (records: number, bytes?: number) => void;
  /** Verify the log's chain as it is read (see AuditOptions.verify). */
  readonly verify?: VerifyOptions | undefined;
  /**
   * Shown each record before it is judged, and each finding, those up to `after` too (it sees the
   * whole log); its result is the audit's `observed`.
   */
  readonly observer?: RecordObserver | undefined;
};

/** Where a source failed: the position it could not deliver, and what it threw. */
export type SourceFailure = { readonly position: number; readonly error: unknown };

/** How an audit in this thread ended: its counts, and where its source failed, if it did. */
export type OneThread = {
  readonly summary: AuditSummary;
  readonly failure?: SourceFailure;
  /** What the observer gathered (also when the source failed), when there was one. */
  readonly observed?: unknown;
};

/** Records as a source gives them: read without waiting, or one at a time. */
export type Records =
  | { readonly kind: 'sync'; readonly records: Iterable<unknown> }
  | { readonly kind: 'async'; readonly records: AsyncIterable<unknown> };

/**
 * The one loop of an audit in this thread, whatever it reads: `read` feeds records to the auditor
 * (through `judge`), and what it throws is the source failing, but for what the sink threw, which
 * goes up as it was.
 */
async function inThisThread(
  rules: CompiledRules,
  sink: FindingSink,
  {
    after,
    verify,
    observer,
  }: { after: number; verify: VerifyOptions | undefined; observer: RecordObserver | undefined },
  read: (auditor: Auditor, check: ChainCheck | undefined) => Promise<void>,
  next: () => number,
): Promise<OneThread> {
  const auditor = new Auditor(rules, (finding) => {
    observer?.finding(finding);
    if (finding.position <= after) return;
    try {
      sink(finding);
    } catch (error) {
      throw new SinkFailure(error);
    }
  });
  const check =
    verify === undefined
      ? undefined
      : new ChainCheck((finding) => auditor.chainBreak(finding), verify.checkpoints);
  const summary = (): AuditSummary =>
    check === undefined ? auditor.summary() : { ...auditor.summary(), chain: check.result() };
  const observed = (): Pick<OneThread, 'observed'> =>
    observer === undefined ? {} : { observed: observer.result(auditor.partnerStates) };
  try {
    await read(auditor, check);
    check?.end();
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    return { summary: summary(), failure: { position: next(), error }, ...observed() };
  }
  return { summary: summary(), ...observed() };
}

/**
 * Audits records in this thread, each finding given to `sink` as it is found. Positions count the
 * records from 1. Rejects only with what the sink throws.
 */
export async function auditRecords(
  rules: CompiledRules,
  { kind, records }: Records,
  sink: FindingSink,
  { after = 0, ready, progress, verify, observer }: OneThreadOptions = {},
): Promise<OneThread> {
  let position = 0;
  return inThisThread(
    rules,
    sink,
    { after, verify, observer },
    async (auditor, check) => {
      const take = (record: unknown): void => {
        position += 1;
        check?.entry(linkEntryOf(position, record));
        judge(auditor, position, record, observer);
      };
      if (kind === 'sync')
        for (const record of records) {
          take(record);
          if (position % RECORDS_BETWEEN_TURNS === 0) await nextTurn();
        }
      else
        for await (const record of records) {
          take(record);
          progress?.(position);
          if (ready !== undefined && position % RECORDS_BETWEEN_WAITS === 0) await ready();
        }
    },
    () => position + 1,
  );
}

/**
 * Audits an NDJSON log in this thread, read from its bytes a chunk at a time (see readNdjson), each
 * finding given to `sink` as it is found. Positions are line numbers. Rejects only with what the sink
 * throws.
 */
export async function auditBytes(
  rules: CompiledRules,
  chunks: AsyncIterable<Uint8Array | string>,
  sink: FindingSink,
  { after = 0, ready, progress, verify, observer }: OneThreadOptions = {},
): Promise<OneThread> {
  let lines = 0;
  let bytes = 0;
  const counted = counting(chunks, (n) => (bytes += n));
  return inThisThread(
    rules,
    sink,
    { after, verify, observer },
    (auditor, check) =>
      readNdjson(
        ready === undefined ? counted : paced(counted, ready),
        {
          value: (position, value, _, line) => {
            if (check !== undefined) passLinkEntry(check, position, value, line);
            judge(auditor, position, value, observer);
          },
          problem: (position, problem) => {
            check?.entry({ kind: 'unreadable', position });
            unreadable(auditor, position, problem, observer);
          },
        },
        {
          afterChunk: (read) => {
            lines = read;
            progress?.(lines, bytes);
          },
        },
      ),
    () => lines + 1,
  );
}

/**
 * Audits a log: every record (a parsed JSON value, in log order, partners interleaved) is decoded and
 * upcast; a malformed one is a MALFORMED_EVENT finding and is skipped; a well-formed event is judged by
 * every rule against its partner's state just before it (one finding per broken rule, in rule-table
 * order) and then applied. Positions are 1-based. Async iterables are read one record at a time.
 *
 * Never rejects, whatever the arguments. Input it cannot start on gives a report of no records with one
 * finding at position 0: INVALID_COMMAND for options or a rule set that are not valid (what decide
 * answers under such a rule set) or cannot be read, MALFORMED_EVENT for records that are not an
 * iterable. A record whose reading throws (a getter or Proxy of the caller's) is a MALFORMED_EVENT
 * finding, and the audit goes on. A source that fails while being read ends the audit with a
 * MALFORMED_EVENT finding at the position it could not deliver.
 */
export function audit(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options?: AuditOptions & { readonly verify?: false },
): Promise<AuditReport>;
export function audit(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditOptions,
): Promise<LogAuditReport>;
export async function audit(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditOptions = {},
): Promise<LogAuditReport> {
  const findings: LogFinding[] = [];
  const {
    records: read,
    events,
    partners,
    chain,
  } = await auditTo(records, (finding) => findings.push(finding), options);
  return { records: read, events, partners, findings, ...(chain === undefined ? {} : { chain }) };
}

/**
 * The audit of `audit`, with each finding given to `sink` as it is found, in log order, and none kept:
 * memory does not grow with the number of findings. Resolves with the counts of the report, the
 * findings counted. Input it cannot start on gives the one finding of `audit` to the sink; a sink that
 * is not a function reads nothing (the summary counts the finding it could not be given). Rejects only
 * with what the sink throws (the audit stops there).
 */
export function auditTo(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  sink: (finding: Finding) => void,
  options?: AuditOptions & { readonly verify?: false },
): Promise<AuditSummary>;
export function auditTo(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  sink: FindingSink,
  options: AuditOptions,
): Promise<AuditSummary>;
export async function auditTo(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  given: FindingSink | ((finding: Finding) => void),
  options: AuditOptions = {},
): Promise<AuditSummary> {
  // A sink of the rules' findings alone is given none other: chain breaks are found only with `verify`.
  const sink = given as FindingSink;
  const refused = { records: 0, events: 0, partners: 0, findings: 1 };
  if (typeof sink !== 'function') return refused;
  const plan = planOf(options);
  if (E.isLeft(plan)) {
    sink(refusal('INVALID_COMMAND', plan.left));
    return refused;
  }
  const kind = sourceKind(records);
  if (kind === 'neither') {
    sink(
      refusal(
        'MALFORMED_EVENT',
        `the records must be an iterable or async iterable of parsed JSON values (got ${preview(records)})`,
      ),
    );
    return refused;
  }
  const { summary, failure } = await auditRecords(
    plan.right.rules,
    kind === 'sync'
      ? { kind, records: records as Iterable<unknown> }
      : { kind, records: records as AsyncIterable<unknown> },
    sink,
    { verify: plan.right.verify },
  );
  if (failure === undefined) return summary;
  sink(stopped(failure.position, summary.records, reasonOf(failure.error)));
  return { ...summary, findings: summary.findings + 1 };
}
