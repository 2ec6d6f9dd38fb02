import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, compileRules, defaultRules, type LogFinding } from 'apss-domain';
import { auditBytes, auditRecords } from '../../src/audit/audit.js';
import { auditLog, type LogSource } from '../../src/audit/auditLog.js';
import { NdjsonSplitter } from '../../src/audit/ndjson.js';
import { lineRouter, reports, type LineRoute } from '../../src/audit/shards.js';
import { ndjson, scratch } from '../cli/run.js';
import { tenantOf, usageOf } from '../builders.js';

const rules = (() => {
  const compiled = compileRules(defaultRules);
  if (compiled._tag === 'Left') throw new Error(compiled.left);
  return compiled.right;
})();

const files = scratch();
/** Two partners' events, with breaches and lines that hold none. */
const records = [
  ...tenantOf('p1', 't1', 's1'),
  ...tenantOf('p2', 't1', 's2'),
  usageOf('p2', 's1', 'u1'),
  { not: 'an event' },
];
const text = `${ndjson(records)}not json\n\n`;

/** A source of `chunks`, then of what it throws. */
async function* failingAfter<T>(chunks: readonly T[], error: unknown): AsyncGenerator<T> {
  yield* chunks;
  throw error;
}

describe('auditLog: a file or a stream, in threads or in one', () => {
  it('given a file and given the same bytes as a stream, then both give the findings of audit() on their lines, in order', async () => {
    const expected = (await audit([...records, 'unreadable line'])).findings.map(({ position, code }) => ({
      position,
      code,
    }));
    const sources: LogSource[] = [
      { file: files.file('log.ndjson', text) },
      { stream: toAsync([Buffer.from(text)]), name: 'stdin' },
    ];
    for (const source of sources) {
      const found: LogFinding[] = [];
      const audited = await auditLog(source, (finding) => found.push(finding), { rules });
      expect(found.map(({ position, code }) => ({ position, code }))).toEqual(expected);
      expect(audited).toEqual({
        kind: 'audited',
        summary: {
          records: records.length + 1,
          events: records.length - 1,
          partners: 2,
          findings: found.length,
        },
      });
    }
  });

  it('given more threads than a stream or a pipe can use, then one thread reads it and says why; asked for none, it says nothing', async () => {
    const stream = { stream: toAsync([Buffer.from(text)]), name: 'stdin' };
    expect(await auditLog(stream, () => undefined, { rules, jobs: 2 })).toMatchObject({
      oneThreadBecause: 'stdin can only be read once',
    });
    const quiet = await auditLog({ stream: toAsync([Buffer.from(text)]), name: 'stdin' }, () => undefined, {
      rules,
    });
    expect(quiet).not.toHaveProperty('oneThreadBecause');
  });

  it('given a log smaller than a thread is worth and --jobs 2, then the plan says so before reading, and one thread audits it all', async () => {
    const found: LogFinding[] = [];
    const audited = await auditLog({ file: files.file('small.ndjson', text) }, (f) => found.push(f), {
      rules,
      jobs: 2,
    });
    expect(audited).toMatchObject({
      kind: 'audited',
      oneThreadBecause: expect.stringMatching(/^a log of \d+ KB is audited in one thread/) as unknown,
    });
    expect(found.length).toBeGreaterThan(0);
  });

  it('given a file that is not there or a stream that fails, then it says what was thrown, the findings before it given', async () => {
    expect(await auditLog({ file: `${files.dir}/missing.ndjson` }, () => undefined, { rules })).toEqual({
      kind: 'unreadable',
      error: expect.objectContaining({ code: 'ENOENT' }) as unknown,
    });
    const found: LogFinding[] = [];
    const reset = new Error('connection reset');
    const failed = await auditLog(
      { stream: failingAfter([Buffer.from(text)], reset), name: 'stdin' },
      (f) => found.push(f),
      { rules },
    );
    expect(failed).toEqual({ kind: 'unreadable', error: reset });
    expect(found.length).toBeGreaterThan(0);
  });
});

describe('the one loop of an audit in this thread', () => {
  it('given a sink that throws, then what it threw goes up as it was, never taken for the source failing', async () => {
    const full = new Error('disk full');
    const sink = () => {
      throw full;
    };
    await expect(auditBytes(rules, toAsync([Buffer.from(text)]), sink)).rejects.toBe(full);
    await expect(auditRecords(rules, { kind: 'sync', records }, sink)).rejects.toBe(full);
  });

  it('given a source that fails, then the failure is returned with the position it could not deliver', async () => {
    const reset = new Error('connection reset');
    const read = await auditRecords(
      rules,
      { kind: 'async', records: failingAfter(records, reset) },
      () => undefined,
    );
    expect(read.failure).toEqual({ position: records.length + 1, error: reset });
    expect(read.summary.records).toBe(records.length);
  });

  it('property: resuming after a position gives exactly the findings after it, and counts them all', async () => {
    const { findings } = await audit([...records, 'unreadable line']);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: records.length + 3 }), async (after) => {
        const found: LogFinding[] = [];
        const { summary } = await auditBytes(rules, toAsync([Buffer.from(text)]), (f) => found.push(f), {
          after,
        });
        expect(found.map((f) => f.position)).toEqual(
          findings.map((f) => f.position).filter((position) => position > after),
        );
        expect(summary.findings).toBe(findings.length);
      }),
    );
  });

  it('given a reader that waits for the output, then it waits before each further piece of the log', async () => {
    let waits = 0;
    const lines = Buffer.from(`${'{}\n'.repeat(50_000)}`);
    const { summary } = await auditBytes(rules, toAsync([lines]), () => undefined, {
      ready: async () => {
        waits += 1;
      },
    });
    expect(summary.findings).toBe(50_000);
    // 150,000 bytes in pieces of 64 KiB.
    expect(waits).toBe(3);
  });
});

describe('routing the lines of a log to its shards', () => {
  it('given a line too long to hold, then every shard routes it as naming no partner, and shard 0 alone reports it', () => {
    const long = `{"data":{"partnerId":"p1"},"pad":"${'x'.repeat(100)}"}\n`;
    const reported = [0, 1, 2].map((shard) => {
      const problems: number[] = [];
      const splitter = new NdjsonSplitter<LineRoute>(
        {
          value: () => undefined,
          problem: (position, _, route) => {
            if (reports(route, shard)) problems.push(position);
          },
        },
        lineRouter(shard, 3),
        { maxLineBytes: 64 },
      );
      // Cut in two: a line is held, and measured against the limit, only when it spans chunks.
      splitter.push(Buffer.from(long.slice(0, 10)));
      splitter.push(Buffer.from(long.slice(10)));
      splitter.end();
      return problems;
    });
    expect(reported).toEqual([[1], [], []]);
  });
});

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
