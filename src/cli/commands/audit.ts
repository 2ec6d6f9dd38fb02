import * as E from 'fp-ts/lib/Either.js';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { AuditReport } from '../../audit/auditor.js';
import { auditFileInShards } from '../../audit/parallel.js';
import { compileRules, defaultRules, rules2023, type RuleSet } from '../../policies/ruleSet.js';
import type { AuditArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { formatReport } from '../report.js';

/** Below this a log is audited in one thread: starting workers would cost more than they save. */
export const SHARDED_MIN_BYTES = 128 * 1024 * 1024;
const DEFAULT_MAX_JOBS = 4;

/**
 * How many threads to audit a log in: for a regular file, as asked, else one per CPU when it is
 * large; 1 for anything else (stdin, a pipe), which only one reader can read.
 */
async function jobsFor(file: string, asked: number | undefined): Promise<number> {
  if (file === '-') return 1;
  try {
    const stats = await stat(file);
    if (!stats.isFile()) return 1;
    if (asked !== undefined) return asked;
    if (stats.size < SHARDED_MIN_BYTES) return 1;
  } catch {
    return 1; // reading it in one thread says what is wrong with it
  }
  return Math.min(availableParallelism(), DEFAULT_MAX_JOBS);
}

/** Audits a log file in shards, each in a thread; undefined when it must be audited whole. */
async function auditFileSharded(
  file: string,
  rules: RuleSet,
  jobs: number,
  io: CliIo,
): Promise<AuditReport | undefined> {
  const size = await stat(file).then(
    (stats) => stats.size,
    () => undefined,
  );
  // A file that cannot even be looked at is left to the one-thread audit, which says what is wrong.
  if (size === undefined) return undefined;
  const progress = new Progress(io.stderr, `auditing ${file}`, size);
  try {
    const sharded = await auditFileInShards(file, {
      rules,
      jobs,
      progress: (lines, bytes) => progress.update(lines, bytes),
    });
    return sharded.threads ? sharded.report : undefined;
  } finally {
    progress.done();
  }
}

/** `apss audit`: exit 0 without findings, 1 with findings (0 with --exit-zero), 2 when the log cannot be read. */
export async function auditCommand(args: AuditArguments, io: CliIo): Promise<number> {
  const ruleSet = args.rules === '2023' ? rules2023 : defaultRules;
  const rules = compileRules(ruleSet);
  if (E.isLeft(rules)) throw new Error(rules.left);
  const file = args.file ?? '-';
  const jobs = args.postgres === undefined ? await jobsFor(file, args.jobs) : 1;
  const sharded = jobs > 1 ? await auditFileSharded(file, ruleSet, jobs, io) : undefined;
  let report: AuditReport;
  let source: string;
  if (sharded !== undefined) {
    report = sharded;
    source = file;
  } else {
    // Loaded only here: while shards run, this thread holds no more than it needs to wait for them.
    const { auditWhole } = await import('./auditWhole.js');
    const read = await auditWhole(
      args.postgres === undefined ? { file } : { postgres: args.postgres },
      rules.right,
      io,
    );
    if (E.isLeft(read)) {
      await put(io.stderr, `apss audit: ${read.left}\n`);
      return 2;
    }
    ({ report, label: source } = read.right);
  }
  await put(
    io.stdout,
    args.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatReport(report, {
          source,
          rules: args.rules,
          unit: args.postgres === undefined ? 'line' : 'record',
        }),
  );
  return report.findings.length > 0 && !args.exitZero ? 1 : 0;
}
