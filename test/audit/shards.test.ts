import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, defaultRules, type LogAuditReport, type LogFinding } from 'apss-domain';
import { Auditor } from '../../src/audit/auditor.js';
import { LogOrderMerge } from '../../src/audit/logOrderMerge.js';
import { readNdjson } from '../../src/audit/ndjson.js';
import * as E from 'fp-ts/lib/Either.js';
import { planShards, summaryOf, verifiedShards, type ShardBudget } from '../../src/audit/parallel.js';
import { auditShard, type ShardOutcome } from '../../src/audit/shard.js';
import { guessShardOfLine, lineGuesser, shardOf } from '../../src/audit/shards.js';
import { generateLog } from '../../src/cli/generate/log.js';

const rules = (() => {
  const compiled = compileRules(defaultRules);
  if (compiled._tag === 'Left') throw new Error(compiled.left);
  return compiled.right;
})();

/** The bytes cut at the given points, as a file read in chunks would give them. */
async function* cut(bytes: Buffer, points: readonly number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const point of [...points].sort((a, b) => a - b)) {
    const to = Math.min(point, bytes.length);
    if (to > from) yield bytes.subarray(from, to);
    from = Math.max(from, to);
  }
  if (from < bytes.length) yield bytes.subarray(from);
}

/** What `apss audit --jobs 1` reports on these bytes. */
async function wholeReport(bytes: Buffer): Promise<LogAuditReport> {
  const auditor = new Auditor(rules);
  await readNdjson([bytes], {
    value: (position, value) => auditor.record(position, value),
    problem: (position, problem) => auditor.unreadable(position, problem),
  });
  return auditor.report();
}

/** What one shard sent: its findings in batches, each with how far it had read, and how it ended. */
type ShardRun = {
  readonly outcome: ShardOutcome;
  readonly batches: readonly { readonly findings: readonly LogFinding[]; readonly through: number }[];
};

/** Each shard's audit of the bytes, its findings sent in a batch after each chunk, as a shard thread does. */
async function inShards(bytes: Buffer, shards: number, points: readonly number[] = []): Promise<ShardRun[]> {
  return Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const batches: { findings: LogFinding[]; through: number }[] = [];
      let batch: LogFinding[] = [];
      const send = (through: number) => {
        batches.push({ findings: batch, through });
        batch = [];
      };
      const outcome = await auditShard(
        cut(bytes, points),
        { shard, shards, rules },
        { found: (finding) => batch.push(finding), afterChunk: send },
      );
      if (outcome.kind === 'done') send(outcome.read.lines);
      return { outcome, batches };
    }),
  );
}

/**
 * The report the shards make together: their batches given to the merge in the order `picks` says
 * (each pick: the shard whose next batch comes next; a shard's own batches stay in order), their
 * counts summed.
 */
function merged(runs: readonly ShardRun[], picks: readonly number[] = []): LogAuditReport {
  const findings: LogFinding[] = [];
  const merge = new LogOrderMerge<LogFinding>(runs.length, (finding) => findings.push(finding));
  const next = runs.map(() => 0);
  const deliver = (shard: number) => {
    const batch = runs[shard]?.batches[next[shard] ?? 0];
    if (batch === undefined) return;
    next[shard] = (next[shard] ?? 0) + 1;
    merge.add(shard, batch.findings, batch.through);
  };
  for (const pick of picks) deliver(pick % runs.length);
  runs.forEach((run, shard) => {
    while ((next[shard] ?? 0) < run.batches.length) deliver(shard);
  });
  const counts = runs.map(({ outcome }) => {
    if (outcome.kind !== 'done') throw new Error(`a shard ended ${outcome.kind}`);
    return outcome.report;
  });
  return { ...summaryOf(counts, merge.passedOn), findings };
}

/** Two partner ids that go to different shards of two. */
const [left, right] = ((): [string, string] => {
  const ids = Array.from({ length: 10 }, (_, i) => `partner-${i}`);
  const first = ids.find((id) => shardOf(id, 2) === 0) as string;
  const second = ids.find((id) => shardOf(id, 2) === 1) as string;
  return [first, second];
})();

describe('guessing the shard of a raw line', () => {
  const line = (text: string) => guessShardOfLine(text, 0, text.length, 7);

  it('given a plain partnerId string, with or without blanks around the colon, then it is the shard of that id', () => {
    expect(line('{"data":{"partnerId":"p-1"}}')).toBe(shardOf('p-1', 7));
    expect(line('{"data": {"partnerId" : "p-1"}}')).toBe(shardOf('p-1', 7));
    expect(line('{"data":{"partnerId":"日本"}}')).toBe(shardOf('日本', 7));
  });

  it('given no partnerId string, an escape in it, or an empty one, then there is no guess', () => {
    expect(line('{"data":{"tenantId":"t"}}')).toBeUndefined();
    expect(line('{"data":{"partnerId":"p\\u0031"}}')).toBeUndefined();
    expect(line('{"data":{"partnerId":""}}')).toBeUndefined();
    expect(line('{"data":{"partnerId":42}}')).toBeUndefined();
    expect(line('{"data":{"partnerId":"p-1')).toBeUndefined();
  });

  it('property: guessing the lines of a text one after another gives what guessing each alone gives', () => {
    const line = fc.oneof(
      fc.constant('{"a":"b"}'),
      fc.constant('{"data":{"partnerId":"p\\"q"}}'),
      fc.string({ maxLength: 6 }).map((id) => JSON.stringify({ data: { partnerId: id } })),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.nat(), (lines, back) => {
        const text = lines.join('\n');
        const spans = lines.map((l, i) => {
          const start = lines.slice(0, i).reduce((n, previous) => n + previous.length + 1, 0);
          return [start, start + l.length] as const;
        });
        const guess = lineGuesser(3);
        for (const [start, end] of spans)
          expect(guess(text, start, end)).toBe(guessShardOfLine(text, start, end, 3));
        // Asked about an earlier line again, it searches again.
        const [start, end] = spans[back % spans.length] as readonly [number, number];
        expect(guess(text, start, end)).toBe(guessShardOfLine(text, start, end, 3));
      }),
    );
  });

  it('given a line among others, then only its own text is read', () => {
    const text = '{"a":1}\n{"data":{"partnerId":"p-9"}}';
    expect(guessShardOfLine(text, 0, 7, 7)).toBeUndefined();
    expect(guessShardOfLine(text, 8, text.length, 7)).toBe(shardOf('p-9', 7));
  });
});

describe('an audit in shards', () => {
  /** Lines no generated log has: not JSON, not an event, an id written with an escape, blank. */
  const oddLine = fc.constantFrom(
    'not json',
    '',
    '   ',
    '[1,2]',
    '{"type":"Nope"}',
    `{"type":"UsageRecorded","data":{"partnerId":"${left}"},"metadata":{}}`,
    `{"type":"SharedTenantCreated","data":{"partnerId":"p\\u00e9-escaped","tenantId":"t"},"metadata":{"actor":{"id":"a","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"}}`,
    '{"truncated":',
  );
  const anyLog = fc
    .record({
      partners: fc.integer({ min: 1, max: 5 }),
      extra: fc.integer({ min: 0, max: 60 }),
      violations: fc.integer({ min: 0, max: 6 }),
      seed: fc.string({ maxLength: 8 }),
      odd: fc.array(fc.tuple(fc.nat(), oddLine), { maxLength: 6 }),
    })
    .map(({ partners, extra, violations, seed, odd }) => {
      const lines = [
        ...generateLog({ partners, events: 2 * partners + violations + extra, violations, seed }),
      ];
      for (const [at, text] of odd) lines.splice(at % (lines.length + 1), 0, text);
      return Buffer.from(lines.map((text) => `${text}\n`).join(''));
    });

  it('property: the shards together report what the audit of the whole log reports, however the file is read in chunks and in whatever order the shards send their findings', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyLog,
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (bytes, shards, points, picks) => {
          const runs = await inShards(
            bytes,
            shards,
            points.map((p) => p % (bytes.length + 1)),
          );
          expect(merged(runs, picks)).toEqual(await wholeReport(bytes));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('given an event whose bytes name another partner first (its metadata holds a partnerId), then a shard says the log cannot be split', async () => {
    const decoy = `{"type":"SharedTenantCreated","metadata":{"partnerId":"${right}","actor":{"id":"a","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"},"data":{"partnerId":"${left}","tenantId":"t"}}`;
    const runs = await inShards(Buffer.from(`${decoy}\n`), 2);
    expect(runs.map(({ outcome }) => outcome)).toContainEqual({ kind: 'misrouted', position: 1 });
  });

  it('given a line that names no partner it can tell, then every shard reads it and only the owner of its event judges it', async () => {
    const escaped = `{"type":"SharedTenantCreated","data":{"partnerId":"${left.replace('p', '\\u0070')}","tenantId":"t"},"metadata":{"actor":{"id":"a","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"}}`;
    const runs = await inShards(Buffer.from(`${escaped}\n${escaped}\n`), 2);
    expect(runs.map(({ outcome }) => (outcome.kind === 'done' ? outcome.report.events : -1))).toEqual([2, 0]);
    expect(merged(runs)).toEqual(await wholeReport(Buffer.from(`${escaped}\n${escaped}\n`)));
    expect(merged(runs).findings.map((f) => f.code)).toEqual(['TENANT_ALREADY_EXISTS']);
  });
});

describe('shards that read different bytes', () => {
  const tenantCreated = (partnerId: string) =>
    `{"type":"SharedTenantCreated","data":{"partnerId":"${partnerId}","tenantId":"t"},"metadata":{"actor":{"id":"a","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"}}\n`;
  const reportsOf = (outcomes: readonly ShardOutcome[]): LogAuditReport[] =>
    outcomes.flatMap((outcome) => (outcome.kind === 'done' ? [outcome.report] : []));

  it('given a file edited in place at the same size while the shards read it, then they disagree on its digest and the log is audited whole', async () => {
    // One shard reads the line before the edit, the other after: the line's partner is another.
    expect(left.length).toBe(right.length);
    const [before, after] = [Buffer.from(tenantCreated(left)), Buffer.from(tenantCreated(right))];
    const outcomes = await Promise.all([
      auditShard(cut(before, []), { shard: 0, shards: 2, rules }),
      auditShard(cut(after, []), { shard: 1, shards: 2, rules }),
    ]);
    const reads = outcomes.map((outcome) => (outcome.kind === 'done' ? outcome.read : undefined));
    expect(reads.map((read) => [read?.lines, read?.bytes])).toEqual([
      [1, before.length],
      [1, before.length],
    ]);
    // Merged, the one line would be judged as two partners' events.
    expect(summaryOf(reportsOf(outcomes), 0)).toMatchObject({ records: 2, partners: 2 });
    expect(verifiedShards(outcomes)).toEqual(E.left('the file changed while the threads read it'));
  });

  it("given the same bytes cut into chunks differently, then the shards agree and their counts are the whole log's", async () => {
    const bytes = Buffer.from(tenantCreated(left) + tenantCreated(right) + tenantCreated(left));
    const outcomes = await Promise.all([
      auditShard(cut(bytes, [7, 200]), { shard: 0, shards: 2, rules }),
      auditShard(cut(bytes, [100]), { shard: 1, shards: 2, rules }),
    ]);
    const verified = verifiedShards(outcomes);
    expect(E.isRight(verified)).toBe(true);
    const whole = await wholeReport(bytes);
    expect(summaryOf(E.isRight(verified) ? verified.right : [], whole.findings.length)).toEqual({
      records: whole.records,
      events: whole.events,
      partners: whole.partners,
      findings: whole.findings.length,
    });
  });

  it('given a line whose bytes name another partner than its event, then the reason names the line', async () => {
    const decoy = `{"type":"SharedTenantCreated","metadata":{"partnerId":"${right}","actor":{"id":"a","role":"AdminAgent"},"at":"2019-01-01T00:00:00Z"},"data":{"partnerId":"${left}","tenantId":"t"}}`;
    const runs = await inShards(Buffer.from(`${tenantCreated(left)}${decoy}\n`), 2);
    expect(verifiedShards(runs.map(({ outcome }) => outcome))).toEqual(
      E.left('the text of line 2 names another partner than its event does'),
    );
  });
});

describe('planning the shards of a log, before any byte is read', () => {
  const MB = 1024 * 1024;
  const roomy: ShardBudget = { cores: 2, memoryBytes: 64 * 1024 * MB, minBytesPerShard: 16 * MB };

  it('given the 36-line example and --jobs 64, then one thread, and the reason says why', () => {
    expect(planShards(5_000, 64, roomy)).toEqual({
      threads: false,
      reason: 'a log of 5 KB is audited in one thread (a thread takes at least 16 MB of it)',
    });
  });

  it('given a large log and more jobs than cores, then one shard per core', () => {
    expect(planShards(1024 * MB, 64, roomy)).toMatchObject({ threads: true, shards: 2 });
  });

  it('given a log whose shards might need more memory than is free, then one thread, said before reading', () => {
    const plan = planShards(1024 * MB, 2, { ...roomy, memoryBytes: 1024 * MB });
    expect(plan).toEqual({
      threads: false,
      reason:
        '2 threads might need 2,176 MB for this log, more than the 1,024 MB of memory free; one thread holds only what it finds',
    });
  });

  it('property: never more shards than jobs, cores or shares worth a thread, and each may hold twice its share of the log', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (logBytes, jobs, cores, memoryBytes, minBytesPerShard) => {
          const plan = planShards(logBytes, jobs, { cores, memoryBytes, minBytesPerShard });
          if (!plan.threads) return;
          expect(plan.shards).toBeGreaterThan(1);
          expect(plan.shards).toBeLessThanOrEqual(Math.min(jobs, cores, logBytes / minBytesPerShard));
          expect(plan.oldGenerationMb * MB).toBeGreaterThanOrEqual((2 * logBytes) / plan.shards);
          expect(plan.shards * plan.oldGenerationMb * MB).toBeLessThanOrEqual(
            Math.max(memoryBytes, plan.shards * 512 * MB),
          );
        },
      ),
    );
  });
});
