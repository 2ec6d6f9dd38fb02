import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, type LogAuditReport, type LogFinding } from 'apss-domain';
import { generateLog } from '../../src/cli/generate/log.js';
import { shardOf } from '../../src/audit/shards.js';
import { apssBuilt, needsBuiltCli, scratch } from './run.js';

const files = scratch();
const rules = (() => {
  const compiled = compileRules(defaultRules);
  if (compiled._tag === 'Left') throw new Error(compiled.left);
  return compiled.right;
})();
const generated = [...generateLog({ partners: 12, events: 4000, violations: 12, seed: 'shards' })];
const odd = ['not json', '', '{"type":"Nope"}', '{"type":"UsageRecorded","data":{"partnerId":"p\\u0031"}}'];
const log = files.file(
  'log.ndjson',
  [...generated.slice(0, 2000), ...odd, ...generated.slice(2000)].join('\n'),
);

/** A line whose metadata names another partner before its data does: the shards cannot trust the bytes. */
const [left, right] = ['a', 'b', 'c', 'd', 'e', 'f'].reduce<[string, string]>(
  (found, id) => (shardOf(id, 2) === 0 ? [found[0] || id, found[1]] : [found[0], found[1] || id]),
  ['', ''],
);
const decoy = `{"type":"SharedTenantCreated","metadata":{"partnerId":"${right}","actor":{"id":"x","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"},"data":{"partnerId":"${left}","tenantId":"t"}}`;
const decoyed = files.file('decoy.ndjson', [decoy, ...generated].join('\n'));
/** 60,000 lines of {}, a finding each, then the generated log: the threads send many batches. */
const manyFindings = files.file('many.ndjson', ['{}\n'.repeat(60_000), ...generated].join('\n'));

describe('apss audit --jobs (the built CLI)', () => {
  needsBuiltCli();

  it('given a log of many partners, then the report in 1, 2 or 3 threads is the same, as JSON and as text, and so is the exit status', async () => {
    const one = await apssBuilt(['audit', log, '--json', '--jobs', '1']);
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout)).toMatchObject({ records: 4003, partners: 12 });
    for (const jobs of ['2', '3'])
      expect(await apssBuilt(['audit', log, '--json', '--jobs', jobs])).toEqual(one);
    expect(await apssBuilt(['audit', log, '--jobs', '2', '--rules', '2023'])).toEqual(
      await apssBuilt(['audit', log, '--jobs', '1', '--rules', '2023']),
    );
  });

  /** The built auditLog (worker threads load built modules), its findings gathered. */
  async function auditBuilt(
    file: string,
    options: { jobs: number; minBytesPerShard?: number; ready?: () => Promise<void> },
  ) {
    const { auditLog } = (await import(
      `../../${'dist/audit/auditLog.js'}`
    )) as typeof import('../../src/audit/auditLog.js');
    const found: LogFinding[] = [];
    const audited = await auditLog({ file }, (finding) => found.push(finding), { rules, ...options });
    return { audited, found };
  }
  const oneThreadFindings = async (file: string): Promise<unknown> =>
    (JSON.parse((await apssBuilt(['audit', file, '--json', '--jobs', '1'])).stdout) as LogAuditReport)
      .findings;

  it('given a line whose bytes name another partner than its event, then the log is audited whole and the report is still right', async () => {
    // A thread for every byte: these logs are far smaller than a thread is worth.
    const split = await auditBuilt(log, { jobs: 2, minBytesPerShard: 1 });
    expect(split.audited).toEqual({
      kind: 'audited',
      summary: { records: 4003, events: 4000, partners: 12, findings: split.found.length },
    });
    expect(split.found).toEqual(await oneThreadFindings(log));
    const decoyedSplit = await auditBuilt(decoyed, { jobs: 2, minBytesPerShard: 1 });
    expect(decoyedSplit.audited).toMatchObject({
      kind: 'audited',
      summary: { records: 4001, findings: decoyedSplit.found.length },
      oneThreadBecause: 'the text of line 1 names another partner than its event does',
    });
    expect(decoyedSplit.found).toEqual(await oneThreadFindings(decoyed));
    const whole = await apssBuilt(['audit', decoyed, '--json', '--jobs', '1']);
    expect(await apssBuilt(['audit', decoyed, '--json', '--jobs', '2'])).toEqual({
      ...whole,
      stderr:
        'apss audit: auditing in one thread: the text of line 1 names another partner than its event does\n',
    });
    expect(JSON.parse(whole.stdout)).toMatchObject({ records: 4001 });
  });

  it('given the 36-line example and --jobs 64, then no thread is started: the plan says why, and the report is the one-thread report', async () => {
    const example = 'examples/apss-log.ndjson';
    const planned = await auditBuilt(example, { jobs: 64 });
    expect(planned.audited).toMatchObject({
      kind: 'audited',
      oneThreadBecause: expect.stringMatching(/^a log of \d+ KB is audited in one thread/) as unknown,
    });
    expect(planned.found).toEqual(await oneThreadFindings(example));
    const one = await apssBuilt(['audit', example, '--json', '--jobs', '1']);
    expect(await apssBuilt(['audit', example, '--json', '--jobs', '64'], { threads: 'as-given' })).toEqual({
      ...one,
      stderr: expect.stringMatching(
        /^apss audit: auditing in one thread: a log of \d+ KB is audited in one thread/,
      ) as unknown,
    });
  });

  it('given a file that is not there, then auditLog says what opening it threw', async () => {
    expect((await auditBuilt(`${files.dir}/missing.ndjson`, { jobs: 2 })).audited).toEqual({
      kind: 'unreadable',
      error: expect.objectContaining({ code: 'ENOENT' }) as unknown,
    });
  });

  it('given a sink that throws while threads audit, then auditLog rejects with what it threw, and nothing is audited again', async () => {
    const { auditLog } = (await import(
      `../../${'dist/audit/auditLog.js'}`
    )) as typeof import('../../src/audit/auditLog.js');
    const full = new Error('disk full');
    let given = 0;
    const sink = () => {
      given += 1;
      throw full;
    };
    await expect(auditLog({ file: log }, sink, { rules, jobs: 2, minBytesPerShard: 1 })).rejects.toBe(full);
    expect(given).toBe(1);
  });

  it('given a sink whose ready rejects while threads audit, then auditLog ends as it does in one thread: unreadable, with what ready rejected with', async () => {
    const gone = new Error('reader gone');
    const failingAfter = (calls: number) => {
      let called = 0;
      return () => (++called > calls ? Promise.reject(gone) : Promise.resolve());
    };
    const all = (await auditBuilt(manyFindings, { jobs: 1 })).found.length;
    for (const jobs of [1, 2]) {
      const { audited, found } = await auditBuilt(manyFindings, {
        jobs,
        minBytesPerShard: 1,
        ready: failingAfter(1),
      });
      expect(audited).toMatchObject({ kind: 'unreadable', error: gone });
      expect(found.length).toBeLessThan(all);
    }
  });

  it('given a log that grows while the threads read it, its last line cut short when one thread read it, then auditLog gives what one thread gives of the grown log', async () => {
    const grown = `{"type":"SharedTenantCreated","data":{"partnerId":"${right}","tenantId":"grown"},"metadata":{"actor":{"id":"x","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"}}`;
    const cut = grown.indexOf('grown') + 3;
    // Thread 0 reports every {} line: it waits for the sink long before the end, while thread 1
    // (the cut line's partner's) reads to the end of the file as it is then.
    const file = files.file(
      'growing.ndjson',
      `${'{}\n'.repeat(100_000)}${generated.join('\n')}\n${grown.slice(0, cut)}`,
    );
    let first = true;
    const ready = async () => {
      if (!first) return;
      first = false;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      appendFileSync(file, `${grown.slice(cut)}\n`);
    };
    const split = await auditBuilt(file, { jobs: 2, minBytesPerShard: 1, ready });
    const whole = await auditBuilt(file, { jobs: 1 });
    expect(split.found).toEqual(whole.found);
    expect(split.audited).toMatchObject({ kind: 'audited', summary: { findings: split.found.length } });
  });

  it('given a log whose last line gets its newline after one thread read it all, then auditLog stops the threads and gives what one thread gives', async () => {
    // 1M lines that are not JSON (a finding each, thread 0's): thread 0 waits for the sink, while
    // thread 1, with nothing to report, reads to the end, where the last line has no newline yet.
    const file = files.file('newline-late.ndjson', `${'x\n'.repeat(1_000_000)}y`);
    let first = true;
    const ready = async () => {
      if (!first) return;
      first = false;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      appendFileSync(file, '\n');
    };
    const split = await auditBuilt(file, { jobs: 2, minBytesPerShard: 1, ready });
    const whole = await auditBuilt(file, { jobs: 1 });
    expect(split.found).toEqual(whole.found);
    expect(split.audited).toMatchObject({ kind: 'audited', summary: { findings: split.found.length } });
  }, 60_000);

  it('given a sink slow to take what it is given, then the threads wait for its ready one call at a time', async () => {
    let pending = 0;
    let most = 0;
    let calls = 0;
    const ready = async () => {
      calls += 1;
      pending += 1;
      most = Math.max(most, pending);
      await new Promise((resolve) => setTimeout(resolve, 1));
      pending -= 1;
    };
    const { audited, found } = await auditBuilt(manyFindings, { jobs: 2, minBytesPerShard: 1, ready });
    expect(audited).toMatchObject({ kind: 'audited', summary: { findings: found.length } });
    expect(calls).toBeGreaterThan(1);
    expect(most).toBe(1);
  });

  it('given a line the shards cannot split after many findings have been written, then the one-thread audit writes the rest, none twice', async () => {
    // 60,000 lines of {}, then a blank line.
    const late = files.file('late-decoy.ndjson', ['{}\n'.repeat(60_000), ...generated, decoy].join('\n'));
    const whole = await apssBuilt(['audit', late, '--ndjson', '--jobs', '1']);
    const split = await apssBuilt(['audit', late, '--ndjson', '--jobs', '2']);
    expect(split.stderr).toBe(
      `apss audit: auditing in one thread: the text of line ${60_002 + generated.length} names another partner than its event does\n`,
    );
    expect({ ...split, stderr: '' }).toEqual(whole);
    expect(whole.stdout.split('\n').length).toBeGreaterThan(60_000);
  });

  it('given a pipe with --jobs 2, then one thread reads it (threads would each read other lines of it)', async () => {
    const whole = await apssBuilt(['audit', log, '--json', '--jobs', '1']);
    // A shell's pipe: a child's stdin from node is a socket, which /dev/stdin cannot open.
    const piped = spawnSync(
      'sh',
      [
        '-c',
        `cat "$0" | "$1" "$2" audit /dev/stdin --json --jobs 2`,
        log,
        process.execPath,
        'dist/cli/main.js',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect({ code: piped.status, stdout: piped.stdout }).toEqual({ code: whole.code, stdout: whole.stdout });
  });

  it('given a file that is not there, then one clear line and exit 2, however many threads', async () => {
    expect(await apssBuilt(['audit', `${files.dir}/missing.ndjson`, '--jobs', '2'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `apss audit: cannot read ${files.dir}/missing.ndjson: no such file\n`,
    });
  });
});

describe('APSS_MIN_BYTES_PER_THREAD', () => {
  needsBuiltCli();

  it('given a value that is not a whole number of bytes, then one line naming it and exit 2, before anything is read', async () => {
    expect(
      await apssBuilt(['audit', 'examples/apss-log.ndjson'], { env: { APSS_MIN_BYTES_PER_THREAD: 'lots' } }),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apss audit: APSS_MIN_BYTES_PER_THREAD must be a whole number from 1 to 9007199254740991 (got "lots")\n',
    });
  });
});
