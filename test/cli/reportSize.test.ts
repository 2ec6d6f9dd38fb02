import { describe, expect, it } from 'vitest';
import type { AuditReport, AuditSummary, Finding } from 'apss-domain';
import { apss, apssBuilt, needsBuiltCli, scratch } from './run.js';

const files = scratch();
/** A log of `n` lines of `{}`: each a MALFORMED_EVENT finding. */
const malformed = (n: number): string => '{}\n'.repeat(n);
const ndjsonLines = (stdout: string): unknown[] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);

describe('apss audit: a text report of any size', () => {
  it('given 130,000 findings (past where the table overflowed the stack), then all are counted by code, the first 1,000 listed, and a line says how many more and how to get them', async () => {
    const log = files.file('130k.ndjson', malformed(130_000));
    const run = await apss(['audit', log]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 8)).toEqual([
      `Audit of ${log} under the default rules`,
      '130,000 records (0 well-formed events) from 0 partners: 130,000 findings',
      '',
      'Findings by code',
      '  code             count',
      '  ---------------  -----',
      '  MALFORMED_EVENT  130,000',
      '',
    ]);
    expect(lines[8]).toBe('Findings (the first 1,000)');
    const rows = lines.filter((line) => /^\s+\d+\s+-\s+-\s+MALFORMED_EVENT/.test(line));
    expect(rows).toHaveLength(1000);
    expect(rows.at(-1)).toMatch(/^\s+1000\s/);
    expect(lines.at(-1)).toBe(
      '  ... and 129,000 more findings: --ndjson lists every finding, one a line (--json as one report)',
    );
  });

  it('given no more findings than are listed, then there is no line about more', async () => {
    const run = await apss(['audit', '-'], { stdin: malformed(1000) });
    expect(run.stdout).toContain('\nFindings\n');
    expect(run.stdout).not.toContain('more finding');
  });
});

describe('apss audit --json: written as the findings are found', () => {
  it('given findings, then some are on stdout before the log has been read to its end, and the whole is exactly the report', async () => {
    let writtenBeforeTheEnd = '';
    const run = await apss(['audit', '-', '--json'], {
      stdin: async function* (written) {
        yield Buffer.from(malformed(50_000));
        // Asked for more: what was found so far must already be out.
        writtenBeforeTheEnd = written();
        yield Buffer.from('{"type":"Nope"}\n');
      },
    });
    expect(run.code).toBe(1);
    expect(writtenBeforeTheEnd).toMatch(
      /^\{\n {2}"findings": \[\n {4}\{"position":1,"code":"MALFORMED_EVENT"/,
    );
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(report).toEqual({
      records: 50_001,
      events: 0,
      partners: 0,
      findings: expect.any(Array) as unknown,
    });
    expect(report.findings).toHaveLength(50_001);
    expect(report.findings.map((f) => f.position)).toEqual(Array.from({ length: 50_001 }, (_, i) => i + 1));
  });

  it('given a clean log, then the report has an empty list of findings', async () => {
    const run = await apss(['audit', '-', '--json'], { stdin: '' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ records: 0, events: 0, partners: 0, findings: [] });
  });
});

describe('apss audit --ndjson', () => {
  it('given findings, then one finding a line in log order, then a line of the counts with the findings counted', async () => {
    const run = await apss(['audit', '-', '--ndjson'], { stdin: '{}\nnot json\n\n[1]\n' });
    expect(run.code).toBe(1);
    const lines = ndjsonLines(run.stdout);
    expect(lines.slice(0, -1)).toEqual([
      expect.objectContaining({ position: 1, code: 'MALFORMED_EVENT' }),
      expect.objectContaining({ position: 2, code: 'MALFORMED_EVENT' }),
      expect.objectContaining({ position: 4, code: 'MALFORMED_EVENT' }),
    ]);
    expect(lines.at(-1)).toEqual({ records: 3, events: 0, partners: 0, findings: 3 });
  });

  it('given a clean log, then only the line of the counts, and exit 0', async () => {
    const run = await apss(['audit', '-', '--ndjson'], { stdin: '' });
    expect(run).toEqual({
      code: 0,
      stdout: '{"records":0,"events":0,"partners":0,"findings":0}\n',
      stderr: '',
    });
  });

  it('given both --json and --ndjson, then 2 and one line', async () => {
    expect(await apss(['audit', '-', '--json', '--ndjson'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'apss audit: choose one of --json and --ndjson (see apss audit --help)\n',
    });
  });
});

// The process as a user runs it, on a log of malformed lines (bench/report measures its memory at 10M).
describe('apss audit on 150,000 malformed lines (the built CLI)', () => {
  const lines = 150_000;
  const log = files.file('150k.ndjson', malformed(lines));
  needsBuiltCli();

  it('given --json, then exit 1 and a report of every line, in one thread or in three', async () => {
    const one = await apssBuilt(['audit', log, '--json', '--jobs', '1']);
    expect({ code: one.code, stderr: one.stderr }).toEqual({ code: 1, stderr: '' });
    const report = JSON.parse(one.stdout) as AuditReport;
    expect({ ...report, findings: report.findings.length }).toEqual({
      records: lines,
      events: 0,
      partners: 0,
      findings: lines,
    });
    expect(report.findings.at(-1)).toEqual({
      position: lines,
      code: 'MALFORMED_EVENT',
      message: expect.any(String) as unknown,
    });
    expect(await apssBuilt(['audit', log, '--json', '--jobs', '3'])).toEqual(one);
  });

  it('given --ndjson, then exit 1, a line for each, and the counts last', async () => {
    const out = await apssBuilt(['audit', log, '--ndjson', '--jobs', '2']);
    expect(out.code).toBe(1);
    const all = ndjsonLines(out.stdout);
    expect(all).toHaveLength(lines + 1);
    expect((all as Finding[]).slice(0, -1).every((f, i) => f.position === i + 1)).toBe(true);
    expect(all.at(-1) as AuditSummary).toEqual({ records: lines, events: 0, partners: 0, findings: lines });
  });
});
