import { createRequire } from 'node:module';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, isIterable, oneOf, problemsOf, refined, struct } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import { Instant } from '../lib/time.js';
import { RejectionCode } from '../policies/rejection.js';
import { Count, fieldPath, InvoiceLineCodec, listOf, OverviewViewCodec } from '../projections/viewCodecs.js';
import { chartRenderer, type Renderer } from './charts.js';
import { auditRecords } from '../audit/audit.js';
import { reportData } from './build.js';
import { makeObserver, type Observation } from './observer.js';
import { renderPage } from './page.js';
import { rulesNamed } from './rules.js';
import { FindingsTally } from './tally.js';

const FindingCodec = struct(
  'Finding',
  {
    position: Count,
    code: oneOf('FindingCode', [
      ...RejectionCode.values,
      'MALFORMED_EVENT',
      'CHAIN_BROKEN',
      'CHECKPOINT_MISMATCH',
    ]),
    message: t.string,
  },
  { partnerId: t.string, eventType: t.string },
);

const Records = refined(
  'Records',
  (u): u is Iterable<unknown> => isIterable(u),
  'an iterable of parsed JSON records',
);

const AuditHtmlInputCodec = struct(
  'AuditHtmlInput',
  {
    report: struct('AuditReport', {
      records: Count,
      events: Count,
      partners: Count,
      findings: listOf('Findings', FindingCodec, 'findings'),
    }),
    views: struct('Views', {
      overview: OverviewViewCodec,
      invoice: listOf('Invoice', InvoiceLineCodec, 'invoice lines'),
    }),
    log: struct('Log', { name: t.string }, { bytes: Count }),
  },
  {
    rules: oneOf('RulesName', ['default', '2023']),
    madeAt: Instant,
    records: Records,
    findingsFile: t.string,
  },
);

/**
 * What `auditReportHtml` takes: the audit's report and the views of the same log (`overview` and
 * `invoice`, as `project` builds them), the log's name (and size in bytes), the rule set it was
 * audited under (default unless given), when the report is made (now unless given), and optionally
 * the log's records, from which the page draws each partner's timeline and shows each finding's
 * record. `findingsFile` names where every finding is kept when there are more than the page lists.
 */
export type AuditHtmlInput = t.TypeOf<typeof AuditHtmlInputCodec>;

/** Why the page cannot be drawn without Vega, in one line. */
export const CHART_LIBRARIES_MISSING =
  'the HTML report needs vega and vega-interpreter to draw its charts, and they are not both installed: npm install vega vega-interpreter';

/**
 * Whether Vega and its expression interpreter are installed where this module finds them, or why
 * not: said at once, before a long audit, while loading them (see chartRenderer) may wait until the
 * audit runs in its threads.
 */
export function chartLibrariesInstalled(): E.Either<string, true> {
  try {
    // Resolved as `import` would find them (their exports' default), without loading them.
    const resolve = createRequire(import.meta.url).resolve;
    for (const name of ['vega', 'vega-interpreter']) resolve(name);
    return E.right(true);
  } catch {
    return E.left(CHART_LIBRARIES_MISSING);
  }
}

/** Vega loaded, to set up charts with, or why it cannot be. */
export async function chartLibraries(): Promise<E.Either<string, Renderer>> {
  try {
    return E.right(await chartRenderer());
  } catch {
    return E.left(CHART_LIBRARIES_MISSING);
  }
}

/**
 * The audit report as one self-contained HTML page: a header, the findings by rule and by partner,
 * timelines, the monthly consumption of the invoice view, and the findings themselves, sortable and
 * filterable. Nothing in it loads anything; every string from the log is escaped. Never rejects:
 * input that is not valid, records that cannot be read, or Vega missing come back as a Left naming why.
 */
export async function auditReportHtml(input: unknown): Promise<E.Either<string, string>> {
  try {
    const decoded = AuditHtmlInputCodec.decode(input);
    if (E.isLeft(decoded))
      return E.left(
        `invalid input: ${describeProblems(problemsOf(decoded.left).map(({ path, reason }) => ({ path: fieldPath(path), reason })))}`,
      );
    const libraries = await chartLibraries();
    if (E.isLeft(libraries)) return libraries;
    const {
      report,
      views,
      log,
      rules = 'default',
      madeAt = new Date().toISOString(),
      records,
      findingsFile,
    } = decoded.right;
    const tally = new FindingsTally();
    for (const finding of report.findings) tally.add(finding);
    const { findings, ...summary } = report;
    const observations: Observation[] = [];
    if (records !== undefined) {
      // The records judged again, each one shown to the page's observer, for the timelines and the
      // findings' records; the findings shown are the report's.
      const observer = makeObserver({
        views: false,
        compare: rules !== 'default',
        positions: tally.first.map(({ position }) => position),
      });
      const read = await auditRecords(rulesNamed(rules), { kind: 'sync', records }, () => undefined, {
        observer,
      });
      if (read.failure !== undefined)
        return E.left(`cannot make the report: ${reasonOf(read.failure.error)}`);
      // What the observer made of the records, as it made it.
      observations.push(read.observed as Observation);
    }
    const facts = { log, rules, madeAt, summary: { ...summary, findings: findings.length }, findingsFile };
    return E.right(await renderPage(reportData(tally, facts, observations, views)));
  } catch (error) {
    return E.left(`cannot make the report: ${reasonOf(error)}`);
  }
}
