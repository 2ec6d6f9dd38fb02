import * as E from 'fp-ts/lib/Either.js';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../policies/ruleSet.js';
import type { LogAuditReport, AuditSummary, LogFinding, FindingSink } from './auditor.js';
import { LogOrderMerge } from './logOrderMerge.js';
import type { ShardOutcome } from './shard.js';
import type { ObserverPlan } from './observer.js';
import { SinkFailure } from './sinkFailure.js';
import { ChainCheck, type ChainFinding } from '../seal/verify.js';
import { PackedLinkMerge } from './linkBatch.js';
import type { VerifyOptions } from '../seal/checkpoint.js';

/** What a shard worker is given: the file, which shard it is, and the rule set (it compiles its own). */
export type ShardTask = {
  readonly file: string;
  readonly shard: number;
  readonly shards: number;
  readonly rules: RuleSet;
  /** Whether the shard checks the links of its records and sends their entries. */
  readonly verify: boolean;
  /** The observer each shard makes for itself, when the audit is observed. */
  readonly observe?: ObserverPlan | undefined;
};

export type ShardMessage =
  | ShardOutcome
  | { readonly kind: 'progress'; readonly lines: number; readonly bytes: number }
  /** The shard's next findings, all those of its lines up to `through`, and its records' link entries (packed) when verifying. */
  | {
      readonly kind: 'findings';
      readonly findings: readonly LogFinding[];
      readonly through: number;
      readonly links?: string;
    }
  | { readonly kind: 'failed'; readonly reason: string };

/** To a shard: this many of its batches of findings have been passed on, so it may send more. */
export type ShardReply = { readonly kind: 'taken'; readonly batches: number };

/**
 * What the batches a shard has sent and the merge has not yet passed on may weigh: the characters of
 * their packed link entries (when verifying), and FINDING_WEIGHT for each finding. It bounds what the
 * merge holds, as a shard that gets ahead of the others waits. Bounded by batches, the threads went
 * in lockstep: a thread that the machine left waiting a moment held the other back at once. This lets
 * one get some 64 MB of the log ahead of the other (the merge then holds its 8 MB of entries).
 */
export const WEIGHT_IN_FLIGHT = 8 * 1024 * 1024;

/**
 * A shard posts what it found, and its link entries, once it has read this many bytes more of the
 * log, or found FINDINGS_PER_MESSAGE: a message for each piece, with the merge's reply to each, cost
 * the threads more than what they carried (the threads and the merge wake each other for every one).
 */
export const BYTES_PER_MESSAGE = 512 * 1024;

/** See BYTES_PER_MESSAGE: it keeps a message of a log of findings as small as one piece's used to be. */
export const FINDINGS_PER_MESSAGE = 1024;

/** What a finding weighs in WEIGHT_IN_FLIGHT: about its size, sent and held. */
export const FINDING_WEIGHT = 256;

export type ShardedAuditOptions = {
  readonly rules: RuleSet;
  /** Where the findings go, in log order, as soon as every shard has read past them. */
  readonly found: FindingSink;
  /** Resolves when what `found` was given has been taken (the shards wait for it before going on). */
  readonly ready?: (() => Promise<void>) | undefined;
  /** Lines and bytes that every shard has read. */
  readonly progress?: ((lines: number, bytes: number) => void) | undefined;
  /** Verify the log's chain as it is read (see AuditOptions.verify). */
  readonly verify?: VerifyOptions | undefined;
  /** Each shard observed by an observer of this plan, made in its thread. */
  readonly observe?: ObserverPlan | undefined;
};

/**
 * How an audit in shards ended: done, with the counts of the whole log; or not, and why, so that the
 * log must be audited whole, after `through`: every finding of the lines up to there has been given.
 */
export type ShardedAudit =
  | {
      readonly kind: 'done';
      readonly summary: AuditSummary;
      /** What each shard's observer gathered, when observed. */
      readonly observed?: readonly unknown[];
    }
  | { readonly kind: 'whole'; readonly reason: string; readonly through: number }
  /** `ready` rejected, with this: the sink took the findings up to there. */
  | { readonly kind: 'stopped'; readonly error: unknown };

/**
 * A shard's young generation. V8 sizes it for one isolate a process (up to 48 MB), and two of them at
 * full size weighed more than the state of a 1M-line log. What a shard allocates lives for a line or
 * so, but the smaller the young generation, the more often it is collected, and each collection
 * costs more the larger the state it must look through. Measured on 1M and 10M lines: 3 MB a shard,
 * 165 MB peak and 84 s; 8 MB, 172 MB and 60 s; 16 MB, 197 MB and 56 s.
 */
const YOUNG_GENERATION_MB = 8;

/** Room for what a shard holds besides its partners' states: its isolate, young generation and read buffer. */
const THREAD_BASE_MB = 64;
/**
 * What a shard's partners' states may take, per byte of its share of the log: a line leaves less than
 * its own size in the state, even a log of one line for each of very many partners (see
 * bench/partners), and twice that leaves room for shorter lines.
 */
const STATE_PER_LOG_BYTE = 2;
/**
 * A shard's old generation is capped at the room its share of the log may need, and at least 512 MB:
 * under V8's default cap of some gigabytes, V8 lets a heap grow up to four times what it holds between
 * two collections; under a smaller one, less. Measured on a 1M-line log: 157-161 MB peak against
 * 166-174 MB, as fast.
 */
const MIN_OLD_GENERATION_MB = 512;
/** Below this share of the log a thread costs more to start than it saves. */
export const MIN_BYTES_PER_SHARD = 16 * 1024 * 1024;

const MB = 1024 * 1024;

/** What threads are at hand for a log: the machine's, and the memory free for them. */
export type ShardBudget = {
  readonly cores: number;
  readonly memoryBytes: number;
  /** Below this share of the log a shard is not worth a thread (MIN_BYTES_PER_SHARD). */
  readonly minBytesPerShard: number;
};

/** Whether a log is audited in threads, and how; else why not, in words for the user. */
export type ShardPlan =
  | ThreadsPlan
  | {
      readonly threads: false;
      /** Why, when more than one thread was asked for. */
      readonly reason?: string;
    };

/** How many threads a log is audited in, and how much memory each may take. */
export type ThreadsPlan = {
  readonly threads: true;
  readonly shards: number;
  readonly oldGenerationMb: number;
};

const sizeOf = (bytes: number): string =>
  bytes < MB
    ? `${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB`
    : `${Math.ceil(bytes / MB).toLocaleString('en-US')} MB`;

/**
 * How many shards a log of `logBytes` is audited in when `jobs` are asked for: no more than there
 * are cores, nor than shares of the log worth a thread. None (one thread) when that leaves one, or
 * when the shards' states might not fit in the memory at hand: said before any byte is read.
 */
export function planShards(logBytes: number, jobs: number, budget: ShardBudget): ShardPlan {
  const shards = Math.min(jobs, budget.cores, Math.floor(logBytes / budget.minBytesPerShard));
  if (jobs <= 1) return { threads: false };
  if (logBytes < 2 * budget.minBytesPerShard)
    return {
      threads: false,
      reason: `a log of ${sizeOf(logBytes)} is audited in one thread (a thread takes at least ${sizeOf(budget.minBytesPerShard)} of it)`,
    };
  if (shards <= 1) return { threads: false, reason: 'this machine has one core' };
  const shardMb = Math.ceil((STATE_PER_LOG_BYTE * logBytes) / shards / MB) + THREAD_BASE_MB;
  const needed = shards * shardMb * MB;
  if (needed > budget.memoryBytes)
    return {
      threads: false,
      reason: `${shards} threads might need ${sizeOf(needed)} for this log, more than the ${sizeOf(budget.memoryBytes)} of memory free; one thread holds only what it finds`,
    };
  return { threads: true, shards, oldGenerationMb: Math.max(MIN_OLD_GENERATION_MB, shardMb) };
}

/**
 * Audits a log file in worker threads, one shard of the partners each (see auditShard), as planned
 * (see planShards): their findings are merged into log order as they come, and their counts into
 * those of the whole log. Ends `whole`, with the reason, when their work cannot be used: a line's
 * event is not of the partner its bytes seem to name, the shards read different bytes (the file
 * changed meanwhile), or one failed (the file could not be read, or it ran out of memory). Then the
 * rest of the log is to be audited whole, which says what went wrong where. Ends `stopped` when
 * `ready` rejects, as an audit in one thread ends when its source does. Rejects only with what
 * `found` throws (the threads stop there).
 */
export async function auditInShards(
  file: string,
  { shards, oldGenerationMb }: ThreadsPlan,
  { rules, found, ready, progress, verify, observe }: ShardedAuditOptions,
): Promise<ShardedAudit> {
  // When verifying, the chain's findings are one more queue of the merge, the first: at a position,
  // a break of the chain comes before what the rules found of the record.
  const first = verify === undefined ? 0 : 1;
  const merge = new LogOrderMerge<LogFinding>(shards + first, found);
  const broken: ChainFinding[] = [];
  const check =
    verify === undefined ? undefined : new ChainCheck((finding) => broken.push(finding), verify.checkpoints);
  const chain = check === undefined ? undefined : new PackedLinkMerge(shards, check);
  const whole = (reason: string): ShardedAudit => ({ kind: 'whole', reason, through: merge.through });
  const progressOf = Array.from({ length: shards }, () => ({ lines: 0, bytes: 0 }));
  /**
   * How far each shard has said it read (lines ended by a newline: see shardWorker), and the
   * fewest a shard that is done read in all.
   */
  const throughOf = Array.from({ length: shards }, () => 0);
  let fewestRead = Infinity;
  const waiting = Array.from({ length: shards }, () => 0);
  const workers: Worker[] = [];
  // Set once the audit in shards has ended, with `through` then final: messages already sent still
  // come while the threads are stopped, and the sink gets none of their findings (the audit of the
  // whole log gives those after `through` again).
  let stopped = false;
  // `ready` rejected: the sink cannot take what it was given, and the audit stops there.
  let notTaken: (failure: NotTaken) => void = () => undefined;
  const stop = new Promise<never>((_, reject) => (notTaken = reject));
  stop.catch(() => undefined);
  /** The sink's `ready` being waited for, which every reply meanwhile waits for too. */
  let taking: Promise<void> | undefined;
  const taken = (): Promise<void> =>
    (taking ??= (ready?.() ?? Promise.resolve()).finally(() => (taking = undefined)));
  /** Lets each shard whose findings have all been passed on send more, once the sink has taken them. */
  const release = (): void => {
    workers.forEach((worker, shard) => {
      const batches = waiting[shard] ?? 0;
      if (batches === 0 || merge.held(shard + first) > 0 || (chain?.held(shard) ?? 0) > 0) return;
      waiting[shard] = 0;
      const reply: ShardReply = { kind: 'taken', batches };
      taken()
        .then(
          () => worker.postMessage(reply),
          (error: unknown) => {
            stopped = true;
            notTaken(new NotTaken(error));
          },
        )
        // A shard that ended meanwhile needs no reply.
        .catch(() => undefined);
    });
  };
  try {
    for (let shard = 0; shard < shards; shard++) {
      const task: ShardTask = { file, shard, shards, rules, verify: verify !== undefined, observe };
      workers.push(
        new Worker(new URL('./shardWorker.js', import.meta.url), {
          workerData: task,
          resourceLimits: {
            maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
            maxOldGenerationSizeMb: oldGenerationMb,
          },
        }),
      );
    }
    const outcomes = workers.map(
      (worker, shard) =>
        new Promise<ShardOutcome>((resolve, reject) => {
          worker.on('message', (message: ShardMessage) => {
            switch (message.kind) {
              case 'progress':
                // A stopped thread's last messages still come: the caller has heard the end already.
                if (stopped) return;
                progressOf[shard] = message;
                progress?.(
                  Math.min(...progressOf.map((p) => p.lines)),
                  Math.min(...progressOf.map((p) => p.bytes)),
                );
                return;
              case 'findings':
                if (stopped) return;
                throughOf[shard] = message.through;
                // No shard reads more lines of a file than another read in all, unless it grew.
                if (message.through > fewestRead) return reject(new Unfinished(CHANGED));
                if (message.findings.length > 0 || (message.links?.length ?? 0) > 0)
                  waiting[shard] = (waiting[shard] ?? 0) + 1;
                try {
                  if (chain !== undefined) {
                    const checked = chain.add(shard, message.links ?? '', message.through);
                    merge.add(0, broken.splice(0), checked);
                  }
                  merge.add(shard + first, message.findings, message.through);
                } catch (error) {
                  stopped = true;
                  return reject(new SinkFailure(error));
                }
                release();
                return;
              case 'done': {
                // Its last findings came before it, with how far it read in all.
                const read = throughOf[shard] ?? 0;
                fewestRead = Math.min(fewestRead, read);
                if (throughOf.some((through) => through > read)) return reject(new Unfinished(CHANGED));
                return resolve(message);
              }
              case 'misrouted':
                // The shard stopped at the line; the others' work is as useless, so stop them now.
                return reject(new Unfinished(misroutedReason(message.position)));
              case 'failed':
                return reject(new Unfinished(`a thread failed: ${message.reason}`));
            }
          });
          worker.on('error', (error: Error & { code?: string }) =>
            reject(
              new Unfinished(
                error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                  ? `a thread ran out of its ${oldGenerationMb} MB of memory`
                  : `a thread failed: ${error.message}`,
              ),
            ),
          );
          worker.on('exit', () => reject(new Unfinished('a thread stopped before it was done')));
        }),
    );
    // One shard that cannot finish makes the others' work useless: the first to fail stops them all.
    const ended = await Promise.race([Promise.all(outcomes), stop]);
    const verified = verifiedShards(ended);
    if (E.isLeft(verified)) return whole(verified.left);
    // Every shard read the same bytes: the findings and entries of a last line with no newline,
    // held until now (see shardWorker), are passed on.
    const lines = ended[0]?.kind === 'done' ? ended[0].read.lines : 0;
    try {
      for (let shard = 0; shard < shards; shard++) {
        if (chain !== undefined) {
          const checked = chain.add(shard, '', lines);
          merge.add(0, broken.splice(0), checked);
        }
        merge.add(shard + first, [], lines);
      }
    } catch (error) {
      throw new SinkFailure(error);
    }
    const observed =
      observe === undefined
        ? {}
        : { observed: ended.map((outcome) => (outcome.kind === 'done' ? outcome.observed : undefined)) };
    if (check === undefined)
      return { kind: 'done', summary: summaryOf(verified.right, merge.passedOn), ...observed };
    // Every shard has read every line, so every finding of the merge has been passed on: what the
    // end of the log finds comes after them all.
    check.end();
    try {
      broken.forEach(found);
    } catch (error) {
      throw new SinkFailure(error);
    }
    return {
      kind: 'done',
      summary: { ...summaryOf(verified.right, merge.passedOn + broken.length), chain: check.result() },
      ...observed,
    };
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    if (error instanceof NotTaken) return { kind: 'stopped', error: error.error };
    return whole(error instanceof Unfinished ? error.message : String(error));
  } finally {
    stopped = true;
    // Stopped, not waited for: nothing more is taken from them, and letting go of a thread's heap
    // takes it tens of milliseconds that the caller (writing the HTML report, say) need not wait.
    for (const worker of workers) worker.terminate().catch(() => undefined);
  }
}

class Unfinished extends Error {}

/** What `ready` rejected with. */
class NotTaken {
  constructor(readonly error: unknown) {}
}

const CHANGED = 'the file changed while the threads read it';

const misroutedReason = (position: number): string =>
  `the text of line ${position} names another partner than its event does`;

/**
 * The reports of a log's shards, if they can be trusted together: every shard read the same bytes (the
 * same count, lines and digest: a file edited in place, even at the same size, would have them merge
 * into nonsense) and none found a line its bytes misnamed; else why not.
 */
export function verifiedShards(
  outcomes: readonly ShardOutcome[],
): E.Either<string, readonly LogAuditReport[]> {
  const done: (ShardOutcome & { kind: 'done' })[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'misrouted') return E.left(misroutedReason(outcome.position));
    done.push(outcome);
  }
  const [first] = done;
  const same = done.every(
    ({ read }) =>
      read.lines === first?.read.lines &&
      read.bytes === first.read.bytes &&
      read.digest === first.read.digest,
  );
  return same ? E.right(done.map(({ report }) => report)) : E.left(CHANGED);
}

/** The counts of a whole log from its shards' counts (a partner is one shard's), and its findings counted. */
export function summaryOf(
  shards: readonly Omit<LogAuditReport, 'findings'>[],
  findings: number,
): AuditSummary {
  const sum = (count: (shard: Omit<LogAuditReport, 'findings'>) => number) =>
    shards.reduce((n, shard) => n + count(shard), 0);
  return {
    records: sum((s) => s.records),
    events: sum((s) => s.events),
    partners: sum((s) => s.partners),
    findings,
  };
}
