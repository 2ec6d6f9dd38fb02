import * as E from 'fp-ts/lib/Either.js';
import { availableParallelism, freemem } from 'node:os';
import type { CompiledRules } from '../policies/ruleSet.js';
import type { AuditSummary, FindingSink } from './auditor.js';
import { chunksOf, openFile } from './chunks.js';
import { auditInShards, MIN_BYTES_PER_SHARD, planShards, type ShardPlan } from './parallel.js';
import type { VerifyOptions } from '../seal/checkpoint.js';
import { observerOf, type ObserverPlan } from './observer.js';

/** A log of NDJSON lines: a file, which threads can each read, or a stream (stdin), which one reader can. */
export type LogSource =
  | { readonly file: string }
  | {
      readonly stream: AsyncIterable<Uint8Array | string>;
      /** How messages name the stream. */
      readonly name: string;
    };

export type LogAuditOptions = {
  readonly rules: CompiledRules;
  /**
   * At most this many threads. Unless given, one per core (at most AUTOMATIC_MAX_JOBS) for a file of
   * AUTOMATIC_MIN_BYTES or more, else one.
   */
  readonly jobs?: number | undefined;
  /** The least share of the log worth a thread (MIN_BYTES_PER_SHARD unless given). */
  readonly minBytesPerShard?: number | undefined;
  /** Resolves once what the sink was given has been taken: reading, in every thread, waits for it. */
  readonly ready?: () => Promise<void>;
  /** Lines and bytes read so far (by every thread), and the size of the file, when it is one. */
  readonly progress?: (lines: number, bytes: number, size: number | undefined) => void;
  /**
   * Verify the log's chain in the same pass (see AuditOptions.verify): each thread checks the links
   * of the records it judges, and the merge checks that they follow one another.
   */
  readonly verify?: VerifyOptions | undefined;
  /**
   * Observe the records as they are judged (see RecordObserver): by an observer of this plan in each
   * thread that judges some, whose results are the audit's `observed`.
   */
  readonly observe?: ObserverPlan | undefined;
};

/**
 * How the audit of a log ended: audited, with its counts and what its observers gathered (one result
 * per thread whose work was used, when observed); or its source could not be read (what was
 * thrown; or what `ready` rejected with, in one thread or in many), its findings before that given. `oneThreadBecause` says why one thread audited it (all of
 * it, or the rest after threads gave up) when more were asked for.
 */
export type LogAudit = (
  | {
      readonly kind: 'audited';
      readonly summary: AuditSummary;
      readonly observed?: readonly unknown[];
    }
  | { readonly kind: 'unreadable'; readonly error: unknown }
) & { readonly oneThreadBecause?: string };

/** Below this a log is audited in one thread unless more are asked for: starting workers would cost more than they save. */
export const AUTOMATIC_MIN_BYTES = 128 * 1024 * 1024;
/** The most threads an audit uses unless more are asked for. */
export const AUTOMATIC_MAX_JOBS = 4;

/** The memory free for threads now: the system's, or less where the process is constrained (a container). */
function freeMemory(): number {
  const constrained = process.constrainedMemory?.();
  const free = freemem();
  return constrained !== undefined && constrained > 0 ? Math.min(constrained, free) : free;
}

/** Why a log that only one reader can read is read by one, when more were asked for. */
const unsplittable = ({ jobs }: LogAuditOptions, reason: string): string | undefined =>
  (jobs ?? 1) > 1 ? reason : undefined;

/** How a regular file of `size` bytes is read, decided before a byte of it is. */
function planFor(size: number, { jobs, minBytesPerShard = MIN_BYTES_PER_SHARD }: LogAuditOptions): ShardPlan {
  const cores = availableParallelism();
  const asked = jobs ?? (size < AUTOMATIC_MIN_BYTES ? 1 : Math.min(cores, AUTOMATIC_MAX_JOBS));
  return planShards(size, asked, { cores, memoryBytes: freeMemory(), minBytesPerShard });
}

/**
 * Audits an NDJSON log, each finding given to `sink` in log order as soon as it is known. A file is
 * opened and looked at once; when it is worth threads and they fit (see planShards), it is audited
 * in threads, one shard of the partners each, and else, or when the threads' work cannot be used
 * (see auditInShards), in this thread, from its start again through the handle opened first, giving
 * only the findings after those the threads gave. A stream is read once, in this thread. Rejects
 * only with what the sink throws.
 */
export async function auditLog(
  source: LogSource,
  sink: FindingSink,
  options: LogAuditOptions,
): Promise<LogAudit> {
  if ('stream' in source) {
    const because = unsplittable(options, `${source.name} can only be read once`);
    return inOneThread(source.stream, sink, options, { size: undefined, after: 0, because });
  }
  const opened = await openFile(source.file);
  if (E.isLeft(opened)) return { kind: 'unreadable', error: opened.left };
  const { handle, stats } = opened.right;
  if (!stats.isFile()) {
    const because = unsplittable(
      options,
      `${source.file} is not a regular file, which threads could each read`,
    );
    return inOneThread(chunksOf(handle), sink, options, { size: undefined, after: 0, because });
  }
  const { size } = stats;
  const plan = planFor(size, options);
  if (!plan.threads)
    return inOneThread(chunksOf(handle), sink, options, { size, after: 0, because: plan.reason });
  const { ready, progress, verify, observe } = options;
  const sharded = await auditInShards(source.file, plan, {
    rules: options.rules.source,
    found: sink,
    verify,
    observe,
    ready,
    progress: progress && ((lines, bytes) => progress(lines, bytes, size)),
  }).catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (sharded.kind === 'stopped') {
    await handle.close();
    return { kind: 'unreadable', error: sharded.error };
  }
  if (sharded.kind === 'done') {
    await handle.close();
    const { summary, observed } = sharded;
    return { kind: 'audited', summary, ...(observed === undefined ? {} : { observed }) };
  }
  return inOneThread(chunksOf(handle), sink, options, {
    size,
    after: sharded.through,
    because: sharded.reason,
  });
}

/** The audit of a log's bytes in this thread, after `after`, and why one thread reads them. */
async function inOneThread(
  chunks: AsyncIterable<Uint8Array | string>,
  sink: FindingSink,
  { rules, ready, progress, verify, observe }: LogAuditOptions,
  { size, after, because }: { size: number | undefined; after: number; because: string | undefined },
): Promise<LogAudit> {
  // Loaded only here: while threads audit a log, this one holds no more than it needs to wait for them.
  const { auditBytes } = await import('./audit.js');
  const { summary, failure, observed } = await auditBytes(rules, chunks, sink, {
    after,
    verify,
    observer: observe === undefined ? undefined : await observerOf(observe),
    ...(ready === undefined ? {} : { ready }),
    ...(progress === undefined ? {} : { progress: (lines, bytes = 0) => progress(lines, bytes, size) }),
  });
  const why = because === undefined ? {} : { oneThreadBecause: because };
  return failure === undefined
    ? { kind: 'audited', summary, ...(observe === undefined ? {} : { observed: [observed] }), ...why }
    : { kind: 'unreadable', error: failure.error, ...why };
}
