import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../policies/ruleSet.js';
import type { AuditReport } from './auditor.js';
import type { ShardOutcome } from './shard.js';

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
 * A shard's young generation. V8 sizes it for one isolate a process (up to 48 MB), and two of them at
 * full size weighed more than the state of a 1M-line log. What a shard allocates lives for a line or
 * so, but the smaller the young generation, the more often it is collected, and each collection
 * costs more the larger the state it must look through. Measured on 1M and 10M lines: 3 MB a shard,
 * 165 MB peak and 84 s; 8 MB, 172 MB and 60 s; 16 MB, 197 MB and 56 s.
 */
const YOUNG_GENERATION_MB = 8;

/**
 * A shard's old generation is capped at its share of the log, and at least 512 MB: more than its state
 * will hold, as what a line leaves in the state is smaller than the line (but for logs of a line or
 * two for each of very many partners, whose shards may then run out, and the log is audited whole).
 * Under V8's default cap of some gigabytes, V8 lets a heap grow up to four times what it holds
 * between two collections; under a smaller one, less. Measured on a 1M-line log: 157-161 MB peak
 * against 166-174 MB, as fast.
 */
const oldGenerationMb = (logBytes: number, shards: number): number =>
  Math.max(512, Math.ceil(logBytes / shards / (1024 * 1024)));

/**
 * Audits a log file in `jobs` worker threads, one shard of the partners each (see auditShard), and
 * merges their reports into the report of the whole log. Undefined when the log cannot be audited in
 * shards (a line's event is not of the partner its bytes seem to name) or a shard failed (the file
 * could not be read, or a shard ran out of memory): then audit it whole, which says what went wrong
 * where.
 */
export async function auditFileInShards(
  file: string,
  { rules, jobs, progress }: ShardedAuditOptions,
): Promise<AuditReport | undefined> {
  // Each shard opens the file itself: a pipe would give each of them other lines.
  const logBytes = await stat(file).then(
    (stats) => (stats.isFile() ? stats.size : undefined),
    () => undefined,
  );
  if (logBytes === undefined) return undefined;
  const progressOf = Array.from({ length: jobs }, () => ({ lines: 0, bytes: 0 }));
  const workers: Worker[] = [];
  try {
    for (let shard = 0; shard < jobs; shard++) {
      const task: ShardTask = { file, shard, shards: jobs, rules };
      workers.push(
        new Worker(new URL('./shardWorker.js', import.meta.url), {
          workerData: task,
          resourceLimits: {
            maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
            maxOldGenerationSizeMb: oldGenerationMb(logBytes, jobs),
          },
        }),
      );
    }
    const outcomes = workers.map(
      (worker, shard) =>
        new Promise<ShardOutcome & { kind: 'done' }>((resolve, reject) => {
          worker.on('message', (message: ShardMessage) => {
            if (message.kind === 'progress') {
              progressOf[shard] = message;
              progress?.(
                Math.min(...progressOf.map((p) => p.lines)),
                Math.min(...progressOf.map((p) => p.bytes)),
              );
            } else if (message.kind === 'done') resolve(message);
            else reject(UNFINISHED);
          });
          worker.on('error', () => reject(UNFINISHED));
          worker.on('exit', () => reject(UNFINISHED));
        }),
    );
    // One shard that cannot finish makes the others' work useless: the first to fail stops them all.
    const done = await Promise.all(outcomes);
    const [first] = done;
    // Shards that read different files (it changed while they read it) would merge into nonsense.
    if (!done.every(({ read }) => read.lines === first?.read.lines && read.bytes === first.read.bytes))
      return undefined;
    return mergeShardReports(done.map(({ report }) => report));
  } catch {
    return undefined;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

const UNFINISHED = new Error('a shard did not finish');

/** The report of a whole log from the reports of its shards: findings in log order. */
export function mergeShardReports(reports: readonly AuditReport[]): AuditReport {
  const sum = (count: (report: AuditReport) => number) => reports.reduce((n, r) => n + count(r), 0);
  return {
    records: sum((r) => r.records),
    events: sum((r) => r.events),
    partners: sum((r) => r.partners),
    // A position is one shard's, so the sort (which is stable) keeps each line's findings in rule order.
    findings: reports.flatMap((r) => r.findings).sort((a, b) => a.position - b.position),
  };
}
