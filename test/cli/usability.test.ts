import { readFileSync } from 'node:fs';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { officeOnSharedTenant, tenantOf } from '../builders.js';
import { apss, ndjson, scratch } from './run.js';

const files = scratch();

describe('apss --version', () => {
  it("given --version, then the package's version on stdout and 0", async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await apss(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('apss help', () => {
  it.each(['audit', 'replay', 'generate'] as const)(
    'given help %s, then the help of that command alone, the same as <command> --help',
    async (command) => {
      const help = await apss(['help', command]);
      expect(help.code).toBe(0);
      expect(help.stdout.startsWith(`apss ${command} `)).toBe(true);
      expect(help.stdout).not.toContain(`apss ${command === 'audit' ? 'replay' : 'audit'} <file`);
      expect(help).toEqual(await apss([command, '--help']));
    },
  );

  it.each([
    [
      'audit',
      ['--rules', '--json', '--ndjson', '--exit-zero', '--jobs', '--postgres', '--html', 'Exit status'],
    ],
    ['replay', ['--view', '--as-of', '--json', '--csv', 'Exit status']],
    ['generate', ['--partners', '--events', '--seed', '--violations', 'Exit status']],
  ])(
    'given help %s, then each of its options is explained on a line of its own',
    async (command, options) => {
      const { stdout } = await apss(['help', command]);
      const lines = stdout.split('\n').slice(1);
      for (const option of options)
        expect(
          lines.some((line) => new RegExp(`^\\s+${option}\\b.*\\w+`).test(line)),
          option,
        ).toBe(true);
    },
  );

  it('given help on something that is not a command, then 2 and one line', async () => {
    expect(await apss(['help', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apss: no help on nope (apss help audit, replay, generate, export, seal, checkpoint or keygen) (see apss --help)\n',
    });
  });
});

describe('apss audit: a table of wide characters', () => {
  it('given a partner id in CJK (two columns a character), then the columns after it line up on a terminal', async () => {
    const log = files.file(
      'wide.ndjson',
      ndjson([...officeOnSharedTenant('株式会社', 't1', 's1'), ...officeOnSharedTenant('p1', 't2', 's2')]),
    );
    const run = await apss(['audit', log]);
    const table = run.stdout
      .slice(run.stdout.indexOf('\nFindings\n') + 10)
      .trimEnd()
      .split('\n');
    expect(table).toHaveLength(4);
    // Where the third column (event) starts, in terminal columns, on every line of the table.
    const eventColumn = table.map((line) => stringWidth(/^\s*\S+\s+\S+\s+/.exec(line)?.[0] ?? ''));
    expect(table[2]).toContain('株式会社');
    expect(new Set(eventColumn).size).toBe(1);
  });
});

describe('apss replay: a table of wide characters', () => {
  it('given a partner id in CJK, then the columns after it line up on a terminal', async () => {
    const log = files.file('wide-replay.ndjson', ndjson([...tenantOf('株式会社'), ...tenantOf('p1')]));
    const run = await apss(['replay', log]);
    const table = run.stdout.split('\n\n')[0]?.split('\n') ?? [];
    expect(table).toHaveLength(3);
    expect(table[1]).toContain('株式会社');
    // Where the second column (the shared tenant) starts, in terminal columns, on every line.
    expect(new Set(table.map((line) => stringWidth(/^\S+\s+/.exec(line)?.[0] ?? ''))).size).toBe(1);
  });
});

describe('apss audit --jobs N on what only one thread can read', () => {
  it('given stdin with --jobs 2, then a line on stderr says why one thread audits it, and the report is the same', async () => {
    const log = ndjson(tenantOf('p1', 't1', 's1', { at: '2020-01-01T00:00:00Z' }));
    const threads = await apss(['audit', '-', '--jobs', '2'], { stdin: log });
    expect(threads.stderr).toBe('apss audit: auditing in one thread: stdin can only be read once\n');
    expect(threads.stdout).toBe((await apss(['audit', '-'], { stdin: log })).stdout);
  });
});

describe('progress on a dumb terminal', () => {
  const log = files.file('dumb.ndjson', ndjson(tenantOf('p1', 't1', 's1', { at: '2020-01-01T00:00:00Z' })));

  it('given TERM=dumb, then progress is drawn and cleared with carriage returns and spaces, no control codes', async () => {
    const run = await apss(['audit', log], { tty: true, term: 'dumb' });
    expect(run.stderr.includes('\u001b')).toBe(false);
    const drawn = run.stderr.split('\r').filter((part) => part.trim() !== '');
    expect(drawn).toEqual([expect.stringMatching(/^auditing .*dumb\.ndjson: 2 lines/)]);
    expect(run.stderr.endsWith(`\r${' '.repeat(drawn[0]?.length ?? 0)}\r`)).toBe(true);
  });

  it('given another terminal, then the line is erased with ESC [K', async () => {
    const run = await apss(['audit', log], { tty: true, term: 'xterm-256color' });
    expect(run.stderr.endsWith('\r\u001b[K')).toBe(true);
  });
});
