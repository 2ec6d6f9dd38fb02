import * as E from 'fp-ts/lib/Either.js';
import { Worker } from 'node:worker_threads';
import { compileRules } from '../policies/ruleSet.js';
import type { RuleSet } from '../policies/ruleSet.js';
import type { AuditReport } from './auditor.js';
import { fileChunks } from './chunks.js';
import { auditShard, mergeShardReports, type ShardOutcome } from './shard.js';

/** What a shard worker is given: the file, which shard it is, and the rule set (it compiles its own). */
export type ShardTask = {
  readonly file: string;
  readonly shard: number;
  readonly shards: number;
  readonly rules: RuleSet;
};

export type ShardMessage =
  | ShardOutcome
  | { readonly kind: 'progress'; readonly lines: number; readonly bytes: number }
  | { readonly kind: 'failed'; readonly reason: string };

export type ShardedAuditOptions = {
  readonly rules: RuleSet;
  readonly jobs: number;
  /** Lines and bytes that every shard has read. */
  readonly progress?: (lines: number, bytes: number) => void;
};

/**
 * A shard's young generation: V8 sizes it for one isolate per process, and a few of them at full size
 * would hold more than the state does. Measured no slower than the default on a 1M-line log.
 */
const YOUNG_GENERATION_MB = 16;

/**
 * Audits a log file in `jobs` shards of the partners (see auditShard): shard 0 in this thread, each
 * other in a worker thread. Their reports merge into the report of the whole log. Undefined when the
 * log cannot be audited in shards (a line's event is not of the partner its bytes seem to name) or a
 * shard failed (the file could not be read): then audit it whole, which says what went wrong where.
 */
export async function auditFileInShards(
  file: string,
  { rules, jobs, progress }: ShardedAuditOptions,
): Promise<AuditReport | undefined> {
  const compiled = compileRules(rules);
  if (E.isLeft(compiled)) return undefined;
  let failed = false;
  const read = Array.from({ length: jobs }, () => ({ lines: 0, bytes: 0 }));
  const reached = (shard: number, lines: number, bytes: number) => {
    read[shard] = { lines, bytes };
    progress?.(Math.min(...read.map((r) => r.lines)), Math.min(...read.map((r) => r.bytes)));
  };
  const workers = Array.from({ length: jobs - 1 }, (_, i) => {
    const task: ShardTask = { file, shard: i + 1, shards: jobs, rules };
    return new Worker(new URL('./shardWorker.js', import.meta.url), {
      workerData: task,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  });
  const inWorkers = workers.map((worker, i) =>
    new Promise<AuditReport | undefined>((resolve) => {
      worker.on('message', (message: ShardMessage) => {
        if (message.kind === 'progress') reached(i + 1, message.lines, message.bytes);
        else resolve(message.kind === 'done' ? message.report : undefined);
      });
      worker.on('error', () => resolve(undefined));
      worker.on('exit', () => resolve(undefined));
    }).then((report) => {
      // One shard that cannot finish makes the others' work useless: the first to fail stops them all.
      if (report === undefined) failed = true;
      return report;
    }),
  );
  const here = auditShard(
    fileChunks(file),
    { shard: 0, shards: jobs, rules: compiled.right },
    { afterChunk: (lines, bytes) => reached(0, lines, bytes), stop: () => failed },
  ).then(
    (outcome) => (outcome.kind === 'done' ? outcome.report : undefined),
    () => undefined,
  );
  try {
    const reports = await Promise.all([here, ...inWorkers]);
    return reports.every((report) => report !== undefined) ? mergeShardReports(reports) : undefined;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
