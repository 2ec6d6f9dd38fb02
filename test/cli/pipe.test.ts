import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../../src/cli/generate/log.js';
import { INLINE_FINDINGS } from '../../src/report/data.js';
import { findingsFileOf } from '../../src/cli/htmlPaths.js';
import { needsBuiltCli, scratch } from './run.js';

// `apss audit LOG | head -1`: the reader goes away after the first line. The audit stops as SIGPIPE
// stops a filter (status 141, one line on stderr), never with 0, which would say that nothing was
// found, and it leaves nothing half done: no page, no file of every finding, FILE of --resume as it was.

needsBuiltCli();
const files = scratch();
const log = files.file(
  'many-findings.ndjson',
  `${[...generateLog({ partners: 4, events: 6000, violations: INLINE_FINDINGS + 1500, seed: 'pipe' })].join('\n')}\n`,
);

/** Runs the built CLI with stdout a pipe whose reader closes it after reading `lines` lines. */
function readLines(
  argv: readonly string[],
  lines: number,
): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let read = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      read += chunk.toString('utf8');
      if (read.split('\n').length > lines) child.stdout.destroy();
    });
    if (lines === 0) child.stdout.destroy();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, first: read.split('\n')[0] ?? '' }));
  });
}

describe('apss audit whose output reader goes away', () => {
  it('given --html and --ndjson, when the reader closes stdout after more findings than the page lists, then it exits 141, says so, and leaves no page and no file of every finding', async () => {
    const page = join(files.dir, 'closed.html');
    // Past the findings the page lists, so that the file of every finding has been begun.
    const ran = await readLines(['audit', log, '--ndjson', '--html', page], INLINE_FINDINGS + 100);
    expect(JSON.parse(ran.first)).toMatchObject({ position: expect.any(Number), code: expect.any(String) });
    expect(ran.code).toBe(141);
    expect(ran.stderr).toContain('apss: stopped: the reader of the output went away');
    expect(existsSync(page)).toBe(false);
    expect(existsSync(findingsFileOf(page))).toBe(false);
  });

  it('given --resume, when the reader closes stdout after one finding, then it exits 141 and FILE is as it was', async () => {
    const saved = join(files.dir, 'closed.resume');
    const head = readFileSync(log, 'utf8').split('\n').slice(0, 100).join('\n');
    const grown = files.file('grown.ndjson', `${head}\n`);
    const first = await readLines(['audit', grown, '--resume', saved, '--ndjson'], 1);
    expect(first.code).not.toBe(141);
    const before = readFileSync(saved);
    writeFileSync(grown, readFileSync(log));
    const ran = await readLines(['audit', grown, '--resume', saved, '--ndjson'], 1);
    expect(ran.code).toBe(141);
    expect(readFileSync(saved).equals(before)).toBe(true);
  });

  it('given --resume and a reader gone before the last write (an empty log: no read comes between), then it exits 141 and leaves neither FILE nor its temporary', async () => {
    const empty = files.file('empty.ndjson', '');
    const saved = join(files.dir, 'never.resume');
    const ran = await readLines(['audit', empty, '--resume', saved], 0);
    expect(ran.code).toBe(141);
    expect(readdirSync(files.dir).filter((name) => name.startsWith('never.resume'))).toEqual([]);
  });
});
