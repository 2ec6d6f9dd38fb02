import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { LogFinding } from '../../src/audit/auditor.js';
import { parseCommandLine } from '../../src/cli/args.js';
import { htmlReport } from '../../src/cli/html.js';
import { findingsFileOf } from '../../src/cli/htmlPaths.js';
import type { FindingsOutput } from '../../src/cli/output.js';
import { INLINE_FINDINGS } from '../../src/report/data.js';
import { apss, scratch } from './run.js';

// The file of every finding beside `apss audit --html`'s page: begun once there are more findings
// than the page lists, ended with the page, and removed when the audit fails.

const dir = scratch();

/** The page of `apss audit LOG --html PAGE`, prepared as the command prepares it. */
async function preparedPage(page: string) {
  const invocation = parseCommandLine(['audit', join(dir.dir, 'log.ndjson'), '--html', page]);
  if (E.isLeft(invocation) || invocation.right.command !== 'audit') throw new Error('not an audit');
  const prepared = await htmlReport({ ...invocation.right.args, html: page });
  if (E.isLeft(prepared)) throw new Error(prepared.left);
  return prepared.right;
}

const given: LogFinding[] = [];
const output: FindingsOutput = {
  add: (finding) => given.push(finding),
  ready: () => Promise.resolve(),
  finish: () => Promise.resolve(),
};

const finding = (position: number): LogFinding => ({
  position,
  code: 'MALFORMED_EVENT',
  message: `line ${position} is not an event`,
});

describe('apss audit --html: the file of every finding', () => {
  it('given an audit that fails after more findings than the page lists, when it is abandoned, then no file of every finding is left, and no page', async () => {
    const page = join(dir.dir, 'failed.html');
    const report = await preparedPage(page);
    const wrapped = report.wrap(output);
    for (let position = 1; position <= INLINE_FINDINGS + 200; position++) wrapped.add(finding(position));
    await wrapped.ready();
    expect(existsSync(findingsFileOf(page))).toBe(true);
    await report.abandon();
    expect(existsSync(findingsFileOf(page))).toBe(false);
    expect(existsSync(page)).toBe(false);
  });

  it('given an audit that ends after as many findings, then the file holds every one of them, beside the page', async () => {
    const page = join(dir.dir, 'ended.html');
    const report = await preparedPage(page);
    const wrapped = report.wrap(output);
    const all = INLINE_FINDINGS + 200;
    for (let position = 1; position <= all; position++) wrapped.add(finding(position));
    const written = await report.write(
      { records: all, events: 0, partners: 0, findings: all },
      join(dir.dir, 'log.ndjson'),
      [],
    );
    expect(written).toEqual(
      E.right(`wrote the HTML report to ${page}, and every finding to ${findingsFileOf(page)}`),
    );
    const lines = readFileSync(findingsFileOf(page), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(all + 1);
    expect(lines.at(-1)).toBe(`${all},,,MALFORMED_EVENT,line ${all} is not an event`);
  });

  it('given a file of every finding that cannot be written, then apss audit --html says why and exits 2', async () => {
    const log = dir.file('many.ndjson', '{}\n'.repeat(INLINE_FINDINGS + 500));
    const page = join(dir.dir, 'blocked.html');
    mkdirSync(findingsFileOf(page));
    const run = await apss(['audit', log, '--html', page, '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^apss audit: cannot write ${findingsFileOf(page)}: .+\\n$`));
    expect(existsSync(page)).toBe(false);
  });

  it('given the file of every finding of an earlier run beside the page, when a run with fewer findings than the page lists writes it again, then that file is gone', async () => {
    const page = join(dir.dir, 'again.html');
    const many = dir.file('again-many.ndjson', '{}\n'.repeat(INLINE_FINDINGS + 10));
    expect((await apss(['audit', many, '--html', page])).code).toBe(1);
    expect(existsSync(findingsFileOf(page))).toBe(true);
    const few = dir.file('again-few.ndjson', '{}\n'.repeat(3));
    const again = await apss(['audit', few, '--html', page]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`apss audit: wrote the HTML report to ${page}\n`);
    expect(existsSync(findingsFileOf(page))).toBe(false);
    expect(readFileSync(page, 'utf8')).not.toContain(basename(findingsFileOf(page)));
  });
});
