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
import { Auditor, type AuditReport } from './auditor.js';

export type AuditOptions = { readonly rules?: RuleSet };

/** The options as given; the rule set itself is checked (and cached) by compileRules. */
const AuditOptionsCodec = struct('AuditOptions', {}, { rules: t.unknown }, 'strip');

/** A report that reads no record, for input audit cannot start on; position 0 is the audit itself. */
const refused = (code: 'INVALID_COMMAND' | 'MALFORMED_EVENT', message: string): AuditReport => ({
  records: 0,
  events: 0,
  partners: 0,
  findings: [{ position: 0, code, message }],
});

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : preview(error));

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
  const decodedOptions = AuditOptionsCodec.decode(options ?? {});
  if (E.isLeft(decodedOptions))
    return refused(
      'INVALID_COMMAND',
      `invalid options: ${describeProblems(problemsOf(decodedOptions.left))}`,
    );
  const rules = compileRules(decodedOptions.right.rules ?? defaultRules);
  if (E.isLeft(rules)) return refused('INVALID_COMMAND', rules.left);
  const asynchronous = isAsyncIterable(records);
  if (!asynchronous && !isIterable(records))
    return refused(
      'MALFORMED_EVENT',
      `the records must be an iterable or async iterable of parsed JSON values (got ${preview(records)})`,
    );
  const auditor = new Auditor(rules.right);
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
    auditor.stopped(judging ? position : position + 1, reasonOf(error));
  }
  return auditor.report();
}
