import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../policies/ruleSet.js';
import type { AuditReport, AuditSummary, Finding, FindingSink } from './auditor.js';
import { FindingsMerge } from './findingsMerge.js';
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
  /** The shard's next findings, all those of its lines up to `through`. */
  | { readonly kind: 'findings'; readonly findings: readonly Finding[]; readonly through: number }
  | { readonly kind: 'failed'; readonly reason: string };

/** To a shard: this many of its batches of findings have been passed on, so it may send more. */
export type ShardReply = { readonly kind: 'taken'; readonly batches: number };

/**
 * How many batches of findings (each of one piece of the log) a shard may have sent that are not yet
 * passed on: the bound on what the merge holds, as a shard that gets ahead of the others waits.
 */
export const BATCHES_IN_FLIGHT = 2;

export type ShardedAuditOptions = {
  readonly rules: RuleSet;
  readonly jobs: number;
  /** Where the findings go, in log order, as soon as every shard has read past them. */
  readonly found: FindingSink;
  /** Resolves when what `found` was given has been taken (the shards wait for it before going on). */
  readonly drained?: () => Promise<void>;
  /** Lines and bytes that every shard has read. */
  readonly progress?: (lines: number, bytes: number) => void;
};

/**
 * How an audit in shards ended: done, with the counts of the whole log; or not, and why, so that the
 * log must be audited whole, after `through`: every finding of the lines up to there has been given.
 */
export type ShardedAudit =
  | { readonly kind: 'done'; readonly summary: AuditSummary }
  | { readonly kind: 'whole'; readonly reason: string; readonly through: number };

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
 * Audits a log file in `jobs` worker threads, one shard of the partners each (see auditShard): their
 * findings are merged into log order as they come, and their counts into those of the whole log. Ends
 * `whole` when the log cannot be audited in shards (a line's event is not of the partner its bytes seem
 * to name), a shard failed (the file could not be read, or a shard ran out of memory) or the shards read
 * different bytes: then the rest of the log is to be audited whole, which says what went wrong where.
 */
export async function auditFileInShards(
  file: string,
  { rules, jobs, found, drained, progress }: ShardedAuditOptions,
): Promise<ShardedAudit> {
  const merge = new FindingsMerge(jobs, found);
  const whole = (reason: string): ShardedAudit => ({ kind: 'whole', reason, through: merge.through });
  // Each shard opens the file itself: a pipe would give each of them other lines.
  const logBytes = await stat(file).then(
    (stats) => (stats.isFile() ? stats.size : undefined),
    () => undefined,
  );
  if (logBytes === undefined) return whole('it is not a regular file');
  const progressOf = Array.from({ length: jobs }, () => ({ lines: 0, bytes: 0 }));
  const waiting = Array.from({ length: jobs }, () => 0);
  const workers: Worker[] = [];
  /** Lets each shard whose findings have all been passed on send more, once the sink has taken them. */
  const release = (): void => {
    workers.forEach((worker, shard) => {
      const batches = waiting[shard] ?? 0;
      if (batches === 0 || merge.held(shard) > 0) return;
      waiting[shard] = 0;
      const reply: ShardReply = { kind: 'taken', batches };
      // A shard that ended meanwhile needs no reply.
      void (drained?.() ?? Promise.resolve()).then(() => worker.postMessage(reply)).catch(() => undefined);
    });
  };
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
            switch (message.kind) {
              case 'progress':
                progressOf[shard] = message;
                progress?.(
                  Math.min(...progressOf.map((p) => p.lines)),
                  Math.min(...progressOf.map((p) => p.bytes)),
                );
                return;
              case 'findings':
                if (message.findings.length > 0) waiting[shard] = (waiting[shard] ?? 0) + 1;
                merge.add(shard, message.findings, message.through);
                release();
                return;
              case 'done':
                return resolve(message);
              case 'misrouted':
                return reject(
                  new Error(
                    `line ${message.position} holds an event of another partner than the first partnerId in its text`,
                  ),
                );
              case 'failed':
                return reject(new Error(`a thread failed: ${message.reason}`));
            }
          });
          worker.on('error', (error) => reject(new Error(`a thread failed: ${error.message}`)));
          worker.on('exit', () => reject(new Error('a thread stopped before it was done')));
        }),
    );
    // One shard that cannot finish makes the others' work useless: the first to fail stops them all.
    const done = await Promise.all(outcomes);
    const [first] = done;
    // Shards that read different files (it changed while they read it) would merge into nonsense.
    if (!done.every(({ read }) => read.lines === first?.read.lines && read.bytes === first.read.bytes))
      return whole('the file changed while the threads read it');
    return {
      kind: 'done',
      summary: summaryOf(
        done.map(({ report }) => report),
        merge.findings,
      ),
    };
  } catch (error) {
    return whole(error instanceof Error ? error.message : String(error));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** The counts of a whole log from its shards' counts (a partner is one shard's), and its findings counted. */
export function summaryOf(shards: readonly Omit<AuditReport, 'findings'>[], findings: number): AuditSummary {
  const sum = (count: (shard: Omit<AuditReport, 'findings'>) => number) =>
    shards.reduce((n, shard) => n + count(shard), 0);
  return {
    records: sum((s) => s.records),
    events: sum((s) => s.events),
    partners: sum((s) => s.partners),
    findings,
  };
}
