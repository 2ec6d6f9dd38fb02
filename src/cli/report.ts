import type { AuditReport, Finding } from '../audit/auditor.js';

const number = new Intl.NumberFormat('en-US');
const plural = (n: number, one: string, many = `${one}s`): string =>
  `${number.format(n)} ${n === 1 ? one : many}`;

/** What the audit read and under which rules, for the heading of the report. */
export type ReportContext = {
  readonly source: string;
  readonly rules: string;
  /** What a position counts: lines of a file, or records of a store. */
  readonly unit: 'line' | 'record';
};

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  alignRight: ReadonlySet<number>,
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const last = header.length - 1;
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === last
          ? cell
          : alignRight.has(column)
            ? cell.padStart(widths[column] ?? 0)
            : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width, column) =>
    '-'.repeat(column === last ? (header[column]?.length ?? 0) : width),
  );
  return [format(header), format(rule), ...rows.map(format)].map((line) => `  ${line}`).join('\n');
}

const countsByCode = (findings: readonly Finding[]): [string, number][] => {
  const counts = new Map<string, number>();
  for (const { code } of findings) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
};

/** The audit report for a person: a summary, the findings counted by code, then one row per finding. */
export function formatReport(report: AuditReport, context: ReportContext): string {
  const { records, events, partners, findings } = report;
  const lines = [
    `Audit of ${context.source} under the ${context.rules} rules`,
    `${plural(records, 'record')} (${plural(events, 'well-formed event')}) from ${plural(partners, 'partner')}: ${findings.length === 0 ? 'no findings' : plural(findings.length, 'finding')}`,
  ];
  if (findings.length === 0) return `${lines.join('\n')}\n`;
  lines.push(
    '',
    'Findings by code',
    table(
      ['code', 'count'],
      countsByCode(findings).map(([code, n]) => [code, number.format(n)]),
      new Set([1]),
    ),
    '',
    'Findings',
    table(
      [context.unit, 'partner', 'event', 'code', 'why'],
      findings.map((finding) => [
        String(finding.position),
        finding.partnerId ?? '-',
        finding.eventType ?? '-',
        finding.code,
        finding.message,
      ]),
      new Set([0]),
    ),
  );
  return `${lines.join('\n')}\n`;
}
