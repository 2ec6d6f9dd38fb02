import type { AuditSummary, LogFinding } from '../audit/auditor.js';
import { displayWidth, padCell } from '../projections/text.js';

const number = new Intl.NumberFormat('en-US');
const plural = (n: number, one: string, many = `${one}s`): string =>
  `${number.format(n)} ${n === 1 ? one : many}`;

/** The findings the text report lists row by row; the rest are counted, and listed by --ndjson or --json. */
export const ROWS_SHOWN = 1000;

/** What the audit read and under which rules, for the heading of the report. */
export type ReportContext = {
  readonly source: string;
  readonly rules: string;
  /** What a position counts: lines of a file, or records of a store. */
  readonly unit: 'line' | 'record';
};

/** Columns aligned by the width they take on a terminal, so that wide characters (株式会社) line up. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  alignRight: ReadonlySet<number>,
): string {
  const widths = header.map(displayWidth);
  for (const row of rows)
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, displayWidth(cell));
    });
  const last = header.length - 1;
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === last
          ? cell
          : padCell(cell, widths[column] ?? 0, alignRight.has(column) ? 'right' : 'left'),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width, column) =>
    '-'.repeat(column === last ? displayWidth(header[column] ?? '') : width),
  );
  return [format(header), format(rule), ...rows.map(format)].map((line) => `  ${line}`).join('\n');
}

/**
 * The audit report for a person, built as the findings come: every finding is counted by code, and
 * only the first `rows` are kept to be listed, so that it holds as little for ten million findings as
 * for a thousand.
 */
export class TextReport {
  private readonly counts = new Map<string, number>();
  private readonly listed: LogFinding[] = [];

  constructor(private readonly rows = ROWS_SHOWN) {}

  add(finding: LogFinding): void {
    this.counts.set(finding.code, (this.counts.get(finding.code) ?? 0) + 1);
    if (this.listed.length < this.rows) this.listed.push(finding);
  }

  /** A summary, the findings counted by code, then one row for each of the first findings. */
  format({ records, events, partners, findings }: AuditSummary, context: ReportContext): string {
    const lines = [
      `Audit of ${context.source} under the ${context.rules} rules`,
      `${plural(records, 'record')} (${plural(events, 'well-formed event')}) from ${plural(partners, 'partner')}: ${findings === 0 ? 'no findings' : plural(findings, 'finding')}`,
    ];
    if (findings === 0) return `${lines.join('\n')}\n`;
    const byCode = [...this.counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
    lines.push(
      '',
      'Findings by code',
      table(
        ['code', 'count'],
        byCode.map(([code, n]) => [code, number.format(n)]),
        new Set([1]),
      ),
      '',
      findings > this.listed.length
        ? `Findings (the first ${number.format(this.listed.length)})`
        : 'Findings',
      table(
        [context.unit, 'partner', 'event', 'code', 'why'],
        this.listed.map((finding) => [
          String(finding.position),
          finding.partnerId ?? '-',
          finding.eventType ?? '-',
          finding.code,
          finding.message,
        ]),
        new Set([0]),
      ),
    );
    const more = findings - this.listed.length;
    if (more > 0)
      lines.push(
        `  ... and ${plural(more, 'more finding')}: --ndjson lists every finding, one a line (--json as one report)`,
      );
    return `${lines.join('\n')}\n`;
  }
}
