import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from 'apss-domain';
import { generateLog } from '../../src/cli/generate/log.js';
import { apss, scratch } from './run.js';

const files = scratch();
const lines = [...generateLog({ partners: 3, events: 600, violations: 6, seed: 'resume-cli' })];
const text = (from: number, to: number) =>
  lines
    .slice(from, to)
    .map((line) => `${line}\n`)
    .join('');
const report = (stdout: string) => JSON.parse(stdout) as AuditReport;
let count = 0;
const fresh = (name: string) => join(files.dir, `${(count += 1)}-${name}`);

describe('apss audit --resume FILE', () => {
  it('given a FILE in a folder that does not exist, then the report, then exit 2 naming FILE (not an unexpected error), and nothing made', async () => {
    const log = fresh('nowhere.ndjson');
    writeFileSync(log, text(0, 100));
    const saved = join(files.dir, 'no-such-folder', 'resume');
    const ran = await apss(['audit', log, '--resume', saved, '--json']);
    expect(ran.code).toBe(2);
    expect(report(ran.stdout).records).toBe(100);
    expect(ran.stderr).toMatch(
      new RegExp(`^apss audit: cannot write ${saved.replaceAll('/', '\\/')}: ENOENT`),
    );
    // The lock is named, not the file of its own it is made from first.
    expect(ran.stderr).toContain(`${saved}.lock could not be made`);
    expect(ran.stderr).not.toMatch(/\.lock\.\d+\./);
    expect(existsSync(join(files.dir, 'no-such-folder'))).toBe(false);
  });

  it.runIf(existsSync('/dev/full'))(
    'given a report that cannot be written (stdout a full device), then it exits 2 and FILE is left as it was, so the next run finds those findings again',
    async () => {
      const log = fresh('full-device.ndjson');
      const saved = fresh('full-device.resume');
      writeFileSync(log, text(0, 300));
      await apss(['audit', log, '--resume', saved, '--json']);
      const before = readFileSync(saved);
      appendFileSync(log, text(300, 600));
      const full = openSync('/dev/full', 'w');
      try {
        const ran = spawnSync(
          process.execPath,
          ['dist/cli/main.js', 'audit', log, '--resume', saved, '--json'],
          {
            stdio: ['ignore', full, 'pipe'],
            encoding: 'utf8',
          },
        );
        expect(ran.status).toBe(2);
        expect(ran.stderr).toMatch(/ENOSPC|no space/i);
      } finally {
        closeSync(full);
      }
      expect(readFileSync(saved).equals(before)).toBe(true);
      const again = report((await apss(['audit', log, '--resume', saved, '--json'])).stdout);
      const whole = report((await apss(['audit', log, '--json'])).stdout);
      expect(again.findings).toEqual(whole.findings.filter((finding) => finding.position > 300));
      expect(again.findings.length).toBeGreaterThan(0);
    },
  );

  it('given no FILE, then a full audit that saves it; given the grown log, then only the new lines are read, positions going on, the counts of the whole log', async () => {
    const log = fresh('log.ndjson');
    const saved = fresh('resume.json');
    writeFileSync(log, text(0, 400));
    const first = await apss(['audit', log, '--resume', saved, '--json']);
    expect(existsSync(saved)).toBe(true);
    appendFileSync(log, text(400, 600));
    const second = await apss(['audit', log, '--resume', saved, '--json']);
    const full = report((await apss(['audit', log, '--json'])).stdout);
    expect([...report(first.stdout).findings, ...report(second.stdout).findings]).toEqual(full.findings);
    expect(report(second.stdout)).toMatchObject({ records: 600, events: 600, partners: 3 });
    expect(report(second.stdout).findings.every((f) => f.position > 400)).toBe(true);
    expect(second.code).toBe(report(second.stdout).findings.length > 0 ? 1 : 0);
    const again = await apss(['audit', log, '--resume', saved]);
    expect(again).toEqual({
      code: 0,
      stdout: `Audit of ${log}, resumed after line 600 (${saved}) under the default rules\n600 records (600 well-formed events) from 3 partners: no findings\n`,
      stderr: '',
    });
  });

  it('given a FILE of another rule set or another log, then exit 2 and one line saying why; FILE is left as it was', async () => {
    const log = fresh('log.ndjson');
    const saved = fresh('resume.json');
    writeFileSync(log, text(0, 300));
    await apss(['audit', log, '--resume', saved]);
    const kept = readFileSync(saved, 'utf8');
    expect(await apss(['audit', log, '--resume', saved, '--rules', '2023'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `apss audit: cannot resume: ${saved} was saved under the default rules, not these (2023)\n`,
    });
    const other = fresh('other.ndjson');
    writeFileSync(other, text(300, 600));
    const refused = await apss(['audit', other, '--resume', saved]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^apss audit: cannot resume: .* another log, or one rewritten\n$/);
    const garbage = fresh('garbage.json');
    writeFileSync(garbage, '{"format":1}');
    expect((await apss(['audit', log, '--resume', garbage])).stderr).toMatch(
      /^apss audit: cannot resume: .*garbage\.json: it is an earlier version's resume file \(JSON, format 1\)/,
    );
    expect(readFileSync(saved, 'utf8')).toBe(kept);
  });

  it('refuses --resume with stdin or --postgres, and says that --jobs runs one thread', async () => {
    expect(await apss(['audit', '-', '--resume', fresh('r.json')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--resume needs a log file'),
    });
    expect(await apss(['audit', '--postgres', 'postgres://x', '--resume', fresh('r.json')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--resume needs a log file'),
    });
    const log = fresh('log.ndjson');
    writeFileSync(log, text(0, 50));
    const threads = await apss(['audit', log, '--resume', fresh('r.json'), '--jobs', '2', '--ndjson']);
    expect(threads.stderr).toBe(
      "apss audit: auditing in one thread: --resume keeps every partner's state, which one thread holds\n",
    );
  });
});
