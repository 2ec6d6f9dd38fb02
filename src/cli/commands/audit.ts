import * as E from 'fp-ts/lib/Either.js';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { AuditSummary } from '../../audit/auditor.js';
import { auditFileInShards, type ShardedAudit } from '../../audit/parallel.js';
import { compileRules, defaultRules, rules2023, type RuleSet } from '../../policies/ruleSet.js';
import { MinBytesPerThread, type AuditArguments } from '../args.js';
import { problemsOf } from '../../lib/codec.js';
import { put, type CliIo } from '../io.js';
import { jsonOutput, ndjsonOutput, textOutput, type FindingsOutput } from '../output.js';
import { Progress } from '../progress.js';

/** Below this a log is audited in one thread: starting workers would cost more than they save. */
export const SHARDED_MIN_BYTES = 128 * 1024 * 1024;
const DEFAULT_MAX_JOBS = 4;

/** How many threads to audit in, and why only one when more were asked for. */
type Jobs = { readonly jobs: number; readonly oneBecause?: string };

/**
 * How many threads to audit a log in: for a regular file, as asked, else one per CPU when it is
 * large; 1 for anything else (stdin, a pipe), which only one reader can read.
 */
async function jobsFor(file: string, asked: number | undefined): Promise<Jobs> {
  const one = (reason: string): Jobs =>
    asked === undefined || asked === 1 ? { jobs: 1 } : { jobs: 1, oneBecause: reason };
  if (file === '-') return one('stdin can only be read once');
  try {
    const stats = await stat(file);
    if (!stats.isFile()) return one(`${file} is not a regular file, which threads could each read`);
    if (asked !== undefined) return { jobs: asked };
    if (stats.size < SHARDED_MIN_BYTES) return { jobs: 1 };
  } catch {
    return { jobs: 1 }; // reading it in one thread says what is wrong with it
  }
  return { jobs: Math.min(availableParallelism(), DEFAULT_MAX_JOBS) };
}

/** Audits a log file in shards, each in a thread, its findings going to the output as they are merged. */
async function auditFileSharded(
  file: string,
  rules: RuleSet,
  jobs: number,
  minBytesPerShard: number | undefined,
  output: FindingsOutput,
  io: CliIo,
): Promise<ShardedAudit | undefined> {
  const size = await stat(file).then(
    (stats) => stats.size,
    () => undefined,
  );
  // A file that cannot even be looked at is left to the one-thread audit, which says what is wrong.
  if (size === undefined) return undefined;
  const progress = new Progress(io, `auditing ${file}`, size);
  try {
    const sharded = await auditFileInShards(file, {
      rules,
      jobs,
      ...(minBytesPerShard === undefined ? {} : { minBytesPerShard }),
      found: output.add,
      drained: output.ready,
      progress: (lines, bytes) => progress.update(lines, bytes),
    });
    return sharded;
  } finally {
    progress.done();
  }
}

const outputFor = (args: AuditArguments, io: CliIo): FindingsOutput =>
  args.json ? jsonOutput(io.stdout) : args.ndjson ? ndjsonOutput(io.stdout) : textOutput(io.stdout);

/**
 * `apss audit`: exit 0 without findings, 1 with findings (0 with --exit-zero), 2 when the log cannot be
 * read. The findings are written as they are found (but for the text report, which lists the first).
 */
export async function auditCommand(args: AuditArguments, io: CliIo): Promise<number> {
  const ruleSet = args.rules === '2023' ? rules2023 : defaultRules;
  const rules = compileRules(ruleSet);
  if (E.isLeft(rules)) throw new Error(rules.left);
  const file = args.file ?? '-';
  const { jobs, oneBecause } =
    args.postgres === undefined ? await jobsFor(file, args.jobs) : { jobs: 1, oneBecause: undefined };
  if (oneBecause !== undefined) await put(io.stderr, `apss audit: auditing in one thread: ${oneBecause}\n`);
  const minBytes =
    io.minBytesPerThread === undefined ? E.right(undefined) : MinBytesPerThread.decode(io.minBytesPerThread);
  if (E.isLeft(minBytes)) {
    const why = problemsOf(minBytes.left).map(({ reason }) => reason);
    await put(io.stderr, `apss audit: APSS_MIN_BYTES_PER_THREAD ${why.join('; ')}\n`);
    return 2;
  }
  const output = outputFor(args, io);
  const sharded =
    jobs > 1 ? await auditFileSharded(file, ruleSet, jobs, minBytes.right, output, io) : undefined;
  let summary: AuditSummary;
  let source = file;
  if (sharded?.kind === 'done') summary = sharded.summary;
  else {
    if (sharded !== undefined)
      await put(io.stderr, `apss audit: auditing in one thread: ${sharded.reason}\n`);
    // Loaded only here: while shards run, this thread holds no more than it needs to wait for them.
    const { auditWhole } = await import('./auditWhole.js');
    const read = await auditWhole(
      args.postgres === undefined ? { file } : { postgres: args.postgres },
      rules.right,
      { found: output.add, ready: output.ready, after: sharded?.through ?? 0 },
      io,
    );
    if (E.isLeft(read)) {
      await put(io.stderr, `apss audit: ${read.left}\n`);
      return 2;
    }
    ({ summary, label: source } = read.right);
  }
  await output.finish(summary, {
    source,
    rules: args.rules,
    unit: args.postgres === undefined ? 'line' : 'record',
  });
  return summary.findings > 0 && !args.exitZero ? 1 : 0;
}
