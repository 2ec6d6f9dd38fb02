import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, isAsyncIterable, isIterable, preview, problemsOf, struct } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { compileRules, defaultRules, type CompiledRules, type RuleSet } from '../policies/ruleSet.js';
import { Auditor, type AuditReport, type AuditSummary, type Finding, type FindingSink } from './auditor.js';

export type AuditOptions = { readonly rules?: RuleSet };

/** The options as given; the rule set itself is checked (and cached) by compileRules. */
const AuditOptionsCodec = struct('AuditOptions', {}, { rules: t.unknown }, 'strip');

/** The one finding of an audit that reads no record; position 0 is the audit itself. */
const refusal = (code: 'INVALID_COMMAND' | 'MALFORMED_EVENT', message: string): Finding => ({
  position: 0,
  code,
  message,
});

/**
 * A record judged; one whose reading throws (the caller's own getter or Proxy) is a MALFORMED_EVENT
 * finding at its position, and the audit goes on.
 */
function judge(auditor: Auditor, position: number, record: unknown): void {
  const before = auditor.recordCount;
  try {
    auditor.record(position, record);
  } catch (error) {
    if (error instanceof SinkFailure) throw error;
    if (auditor.recordCount === before)
      auditor.unreadable(position, `the record could not be read: ${reasonOf(error)}`);
  }
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
function rulesOf(options: unknown): E.Either<string, CompiledRules> {
  try {
    const decodedOptions = AuditOptionsCodec.decode(options ?? {});
    if (E.isLeft(decodedOptions))
      return E.left(`invalid options: ${describeProblems(problemsOf(decodedOptions.left))}`);
    return compileRules(decodedOptions.right.rules ?? defaultRules);
  } catch (error) {
    return E.left(`invalid options: they could not be read: ${reasonOf(error)}`);
  }
}

/** What a caller's sink threw: the caller's to have back, not a finding of the log. */
class SinkFailure {
  constructor(readonly error: unknown) {}
}

/** Feeds every record to an auditor, or refuses input it cannot start on with the finding that says why. */
async function feed(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditOptions,
  sink?: FindingSink,
): Promise<Auditor | Finding> {
  const rules = rulesOf(options);
  if (E.isLeft(rules)) return refusal('INVALID_COMMAND', rules.left);
  const kind = sourceKind(records);
  if (kind === 'neither')
    return refusal(
      'MALFORMED_EVENT',
      `the records must be an iterable or async iterable of parsed JSON values (got ${preview(records)})`,
    );
  const auditor = new Auditor(
    rules.right,
    sink === undefined
      ? undefined
      : (finding) => {
          try {
            sink(finding);
          } catch (error) {
            throw new SinkFailure(error);
          }
        },
  );
  let position = 0;
  try {
    if (kind === 'async')
      for await (const record of records as AsyncIterable<unknown>) judge(auditor, ++position, record);
    else for (const record of records as Iterable<unknown>) judge(auditor, ++position, record);
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    auditor.stopped(position + 1, reasonOf(error));
  }
  return auditor;
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
export async function audit(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const fed = await feed(records, options);
  return fed instanceof Auditor ? fed.report() : { records: 0, events: 0, partners: 0, findings: [fed] };
}

/**
 * The audit of `audit`, with each finding given to `sink` as it is found, in log order, and none kept:
 * memory does not grow with the number of findings. Resolves with the counts of the report, the
 * findings counted. Input it cannot start on gives the one finding of `audit` to the sink; a sink that
 * is not a function reads nothing (the summary counts the finding it could not be given). Rejects only
 * with what the sink throws (the audit stops there).
 */
export async function auditTo(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  sink: FindingSink,
  options: AuditOptions = {},
): Promise<AuditSummary> {
  const refused = { records: 0, events: 0, partners: 0, findings: 1 };
  if (typeof sink !== 'function') return refused;
  const fed = await feed(records, options, sink);
  if (fed instanceof Auditor) return fed.summary();
  sink(fed);
  return refused;
}
