import { existsSync, linkSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apss, ndjson, scratch } from './run.js';

// A file a command writes that is one of the files it reads, by any path, is refused before anything
// is read or written: writing it would destroy the log, a key or a checkpoint.

const dir = scratch();
const record = {
  type: 'SharedTenantCreated',
  data: { partnerId: 'p1', tenantId: 't1' },
  metadata: { actor: { id: 'a@p1', role: 'AdminAgent' }, at: '2020-01-01T00:00:00Z', schemaVersion: 1 },
};
const text = ndjson([record]);

describe('a command refuses to write over a file it reads', () => {
  it.each([
    ['--html is the log', (log: string) => ['--html', log], /--html .* is the log file/],
    [
      '--html by another path (a hard link)',
      (log: string) => ['--html', `${log}.link`],
      /--html .*\.link is the log file/,
    ],
    [
      'the file of every finding beside --html is the log',
      (log: string) => ['--html', log.replace(/\.findings\.csv$/, '.html')],
      /the file of every finding beside it, .* is the log file/,
    ],
    ['--resume is the log', (log: string) => ['--resume', log], /--resume .* is the log file/],
  ])(
    'given apss audit LOG where %s, then it exits 2 naming both, and the log is as it was',
    async (_, flags, message) => {
      const log = dir.file(`log-${Math.random().toString(36).slice(2)}.findings.csv`, text);
      linkSync(log, `${log}.link`);
      const ran = await apss(['audit', log, ...flags(log)]);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toMatch(message);
      expect(ran.stdout).toBe('');
      expect(readFileSync(log, 'utf8')).toBe(text);
    },
  );

  it('given apss checkpoint LOG --key KEY --out LOG, or --out KEY, then it exits 2 and both are as they were', async () => {
    const keys = join(dir.dir, 'keys');
    expect((await apss(['keygen', '--out-dir', keys])).code).toBe(0);
    const key = join(keys, 'private.pem');
    const pem = readFileSync(key, 'utf8');
    const log = dir.file('sealed.ndjson', text);
    for (const [out, named] of [
      [log, 'the log file'],
      [key, '--key'],
    ] as const) {
      const ran = await apss(['checkpoint', log, '--key', key, '--out', out]);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(`--out ${out} is ${named}`);
    }
    expect(readFileSync(log, 'utf8')).toBe(text);
    expect(readFileSync(key, 'utf8')).toBe(pem);
  });

  it('given an --html that is a link to the file of every finding beside it, not made yet, then it exits 2 naming both, and writes neither', async () => {
    const log = dir.file('linked.ndjson', text);
    const page = join(dir.dir, 'linked.html');
    symlinkSync('linked.findings.csv', page);
    const ran = await apss(['audit', log, '--html', page]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('are one file');
    expect(existsSync(join(dir.dir, 'linked.findings.csv'))).toBe(false);
  });

  it('given an --html that is another file, then the audit runs and writes it', async () => {
    const log = dir.file('kept.ndjson', text);
    const ran = await apss(['audit', log, '--html', join(dir.dir, 'kept.html')]);
    expect(ran.code).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe(text);
  });
});
