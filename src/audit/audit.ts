import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  describeProblems,
  isAsyncIterable,
  isIterable,
  preview,
  problemsOf,
  struct,
} from '../domain/codec.js';
import { compileRules, defaultRules, type RuleSet } from '../policies/ruleSet.js';
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

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : preview(error));

/** Feeds every record to an auditor, or refuses input it cannot start on with the finding that says why. */
async function feed(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  options: AuditOptions,
  sink?: FindingSink,
): Promise<Auditor | Finding> {
  const decodedOptions = AuditOptionsCodec.decode(options ?? {});
  if (E.isLeft(decodedOptions))
    return refusal(
      'INVALID_COMMAND',
      `invalid options: ${describeProblems(problemsOf(decodedOptions.left))}`,
    );
  const rules = compileRules(decodedOptions.right.rules ?? defaultRules);
  if (E.isLeft(rules)) return refusal('INVALID_COMMAND', rules.left);
  const asynchronous = isAsyncIterable(records);
  if (!asynchronous && !isIterable(records))
    return refusal(
      'MALFORMED_EVENT',
      `the records must be an iterable or async iterable of parsed JSON values (got ${preview(records)})`,
    );
  // What the sink throws is the caller's, not the log's: it is not reported as a finding but passed on.
  const sinkFailed: { error?: unknown } = {};
  const auditor = new Auditor(
    rules.right,
    sink === undefined
      ? undefined
      : (finding) => {
          try {
            sink(finding);
          } catch (error) {
            sinkFailed.error = error;
            throw error;
          }
        },
  );
  let position = 0;
  let judging = false;
  try {
    if (asynchronous)
      for await (const record of records) {
        judging = true;
        auditor.record(++position, record);
        judging = false;
      }
    else
      for (const record of records) {
        judging = true;
        auditor.record(++position, record);
        judging = false;
      }
  } catch (error) {
    if ('error' in sinkFailed) throw sinkFailed.error;
    auditor.stopped(judging ? position : position + 1, reasonOf(error));
  }
  return auditor;
}

/**
 * Audits a log: every record (a parsed JSON value, in log order, partners interleaved) is decoded and
 * upcast; a malformed one is a MALFORMED_EVENT finding and is skipped; a well-formed event is judged by
 * every rule against its partner's state just before it (one finding per broken rule, in rule-table
 * order) and then applied. Positions are 1-based. Async iterables are read one record at a time.
 *
 * Never rejects. Input it cannot start on gives a report of no records with one finding at position 0:
 * INVALID_COMMAND for options or a rule set that are not valid (what decide answers under such a rule
 * set), MALFORMED_EVENT for records that are not an iterable. A source that fails while being read ends
 * the audit with a MALFORMED_EVENT finding at the position it could not deliver.
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
