import { describe, expect, it } from 'vitest';
import { audit, type AuditReport } from 'apss-domain';
import { officeOnSharedTenant, tenantOf, usageOf } from '../builders.js';
import { apss, ndjson, scratch } from './run.js';

const files = scratch();
const clean = files.file(
  'clean.ndjson',
  ndjson([
    ...tenantOf('p1', 't1', 's1', { at: '2020-01-01T00:00:00Z' }),
    usageOf('p1', 's1', 'u1', '2020-01-02', { at: '2020-01-03T00:00:00Z' }),
  ]),
);
const globalAdmin = files.file(
  'global-admin.ndjson',
  ndjson(tenantOf('p1', 't1', 's1', { role: 'GlobalAdmin', at: '2020-01-01T00:00:00Z' })),
);
const breach = files.file('breach.ndjson', ndjson(officeOnSharedTenant('p1', 't1', 's1')));

const report = (stdout: string) => JSON.parse(stdout) as AuditReport;
const oneLine = (stderr: string) => {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('apss audit: exit status', () => {
  it('given a clean log, then 0 and a summary that says there are no findings', async () => {
    const run = await apss(['audit', clean]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Audit of ${clean} under the default rules\n3 records (3 well-formed events) from 1 partner: no findings\n`,
    );
    expect(run.stderr).toBe('');
  });

  it('given findings, then 1, a summary, the findings counted by code and a table of them', async () => {
    const run = await apss(['audit', breach]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `Audit of ${breach} under the default rules`,
        '3 records (3 well-formed events) from 1 partner: 1 finding',
        '',
        'Findings by code',
        '  code                     count',
        '  -----------------------  -----',
        '  SHARED_TENANT_EXCLUSIVE  1',
        '',
        'Findings',
        '  line  partner  event               code                     why',
        '  ----  -------  ------------------  -----------------------  ---',
        '     3  p1       ServiceProvisioned  SHARED_TENANT_EXCLUSIVE  Office365 service o365 on the shared services tenant t1',
        '',
      ].join('\n'),
    );
  });

  it('given findings and --exit-zero, then 0 with the same report', async () => {
    const run = await apss(['audit', breach, '--exit-zero']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe((await apss(['audit', breach])).stdout);
  });

  it('given a file that does not exist, then 2 and one line on stderr, nothing on stdout', async () => {
    const run = await apss(['audit', `${files.dir}/missing.ndjson`]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `apss audit: cannot read ${files.dir}/missing.ndjson: no such file\n`,
    });
  });

  it('given a directory, then 2 and one line', async () => {
    const run = await apss(['audit', files.dir]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `apss audit: cannot read ${files.dir}: it is a directory\n`,
    });
  });

  it.each([
    [
      ['audit', 'x.ndjson', '--rules', 'latest'],
      'apss audit: --rules must be one of default, 2023 (got "latest") (see apss audit --help)\n',
    ],
    [['audit', 'x.ndjson', '--quiet'], 'apss audit: unknown option --quiet (see apss audit --help)\n'],
    [
      ['frobnicate'],
      'apss: unknown command frobnicate (expected audit, replay, generate, export, seal, checkpoint or keygen) (see apss --help)\n',
    ],
  ])('given bad arguments %j, then 2 and one clear line', async (argv, line) => {
    const run = await apss(argv);
    expect(run).toEqual({ code: 2, stdout: '', stderr: line });
    oneLine(run.stderr);
  });

  it('given --help, then the usage of every command on stdout and 0', async () => {
    const run = await apss(['--help']);
    expect(run.code).toBe(0);
    for (const usage of [
      'apss audit <file.ndjson | ->',
      'apss replay <file.ndjson | ->',
      'apss generate --partners N --events M',
    ])
      expect(run.stdout).toContain(usage);
  });
});

describe('apss audit: output', () => {
  it('given --json, then stdout is exactly the report audit() gives, positions being line numbers', async () => {
    const run = await apss(['audit', breach, '--json']);
    const lines = (await import('node:fs'))
      .readFileSync(breach, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(report(run.stdout)).toEqual(await audit(lines));
  });

  it('given --rules 2023, then the same log is judged by the later rules', async () => {
    expect((await apss(['audit', globalAdmin, '--json'])).code).toBe(0);
    const later = await apss(['audit', globalAdmin, '--json', '--rules', '2023']);
    expect(later.code).toBe(1);
    expect(report(later.stdout).findings.map((f) => f.code)).toEqual([
      'ROLE_NOT_PERMITTED',
      'ROLE_NOT_PERMITTED',
    ]);
  });

  it('given - for the file, then the log is read from stdin', async () => {
    const run = await apss(['audit', '-', '--json'], {
      stdin: (await import('node:fs')).readFileSync(breach),
    });
    expect(run.code).toBe(1);
    expect(report(run.stdout)).toEqual(report((await apss(['audit', breach, '--json'])).stdout));
  });

  it('given stderr is a terminal, then progress is drawn there and cleared; given it is not, then stderr stays empty', async () => {
    const tty = await apss(['audit', clean], { tty: true });
    // The progress line is drawn after a carriage return and ESC [K (erase to the end of the line).
    const erase = '\r\u001b[K';
    expect(tty.stderr.startsWith(erase) && tty.stderr.endsWith(erase)).toBe(true);
    expect(tty.stderr.slice(erase.length, -erase.length)).toMatch(
      /^auditing .*clean\.ndjson: 3 lines, 0\.0 MB of 0\.0 MB \(100%\)$/,
    );
    expect(tty.stdout).toBe((await apss(['audit', clean])).stdout);
    expect((await apss(['audit', clean])).stderr).toBe('');
  });
});

describe('apss audit: every kind of unusable line is a finding, and the audit goes on', () => {
  const [created, purchased] = tenantOf('p1', 't1', 's1', { at: '2020-01-01T00:00:00Z' });
  const usage = (id: string) =>
    JSON.stringify(usageOf('p1', 's1', id, '2020-01-02', { at: '2020-01-03T00:00:00Z' }));
  const big = JSON.stringify({
    ...usageOf('p1', 's1', 'big', '2020-01-02', { at: '2020-01-03T00:00:00Z' }),
    padding: 'x'.repeat(4 * 1024 * 1024),
  });
  const log = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(
      [
        JSON.stringify(created), // 1, after a byte-order mark
        `${JSON.stringify(purchased)}\r`, // 2, CRLF
        '', // 3, blank
        'this is not json', // 4
        '[1, 2, 3]', // 5, JSON but not an object
        '   ', // 6, blank
        big, // 7, several megabytes, well-formed (extra top-level fields are dropped)
        usage('u1'), // 8
        usage('u2').slice(0, 60), // 9, the final line, truncated
      ].join('\n'),
    ),
  ]);
  const path = files.file('messy.ndjson', log);

  it('given BOM, CRLF, blank lines, a line that is not JSON, one that is not an object, a line of megabytes and a truncated last line, then each is read or reported at its line', async () => {
    const run = await apss(['audit', path, '--json']);
    expect(run.code).toBe(1);
    const { records, events, partners, findings } = report(run.stdout);
    expect({ records, events, partners }).toEqual({ records: 7, events: 4, partners: 1 });
    expect(findings).toEqual([
      { position: 4, code: 'MALFORMED_EVENT', message: expect.stringMatching(/^the line is not valid JSON/) },
      {
        position: 5,
        code: 'MALFORMED_EVENT',
        message: expect.stringMatching(/^malformed event: the input must be an event object/),
      },
      {
        position: 9,
        code: 'MALFORMED_EVENT',
        message: expect.stringMatching(/not valid JSON .*may be truncated/),
      },
    ]);
  });
});

describe('apss audit --postgres', () => {
  it('given a server that cannot be reached, then 2 and one line saying so', async () => {
    const run = await apss(['audit', '--postgres', 'postgres://nobody@127.0.0.1:1/none']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^apss audit: cannot read from PostgreSQL: .*ECONNREFUSED/);
    oneLine(run.stderr);
  });
});
