import * as E from 'fp-ts/lib/Either.js';
import type { AuditSummary } from '../../audit/auditor.js';
import { auditLog } from '../../audit/auditLog.js';
import { observerOf, type ObserverPlan } from '../../audit/observer.js';
import { problemsOf } from '../../lib/codec.js';
import { compileRules, defaultRules, rules2023, type CompiledRules } from '../../policies/ruleSet.js';
import { MinBytesPerThread, type AuditArguments } from '../args.js';
import { findingsFileOf } from '../htmlPaths.js';
import { put, type CliIo } from '../io.js';
import { clashingFiles, type NamedFile } from '../overwrites.js';
import { jsonOutput, ndjsonOutput, OutputFailure, textOutput, type FindingsOutput } from '../output.js';
import { Progress } from '../progress.js';
import { auditResuming } from '../resume.js';
import { absentTable, firstLine, postgresConnectionString, reasonOf } from '../source.js';
import type { VerifyOptions } from '../../seal/checkpoint.js';
import { verifyOptionsOf } from '../verifyFlags.js';

/**
 * An audit's counts, how its source is named, and what its observers gathered (when observed), or
 * why the source could not be read.
 */
type Audited = E.Either<
  string,
  { readonly summary: AuditSummary; readonly source: string; readonly observed?: readonly unknown[] }
>;

/** Audits a log file or stdin (`-`), and says on stderr why one thread did when more were asked for. */
async function auditFile(
  file: string,
  rules: CompiledRules,
  {
    jobs,
    minBytesPerThread,
    verify,
    observe,
  }: {
    jobs: number | undefined;
    minBytesPerThread: number | undefined;
    verify: VerifyOptions | undefined;
    observe: ObserverPlan | undefined;
  },
  output: FindingsOutput,
  io: CliIo,
): Promise<Audited> {
  const label = file === '-' ? 'stdin' : file;
  let progress: Progress | undefined;
  const audited = await auditLog(file === '-' ? { stream: io.stdin, name: label } : { file }, output.add, {
    rules,
    jobs,
    minBytesPerShard: minBytesPerThread,
    verify,
    observe,
    ready: output.ready,
    progress: (lines, bytes, size) =>
      (progress ??= new Progress(io, `auditing ${label}`, size)).update(lines, bytes),
  }).finally(() => progress?.done());
  if (audited.oneThreadBecause !== undefined)
    await put(io.stderr, `apss audit: auditing in one thread: ${audited.oneThreadBecause}\n`);
  if (audited.kind === 'audited' && audited.summary.chain?.sealed === false)
    await put(
      io.stderr,
      `apss audit: ${label} has no chain fields: it was audited, but could not be verified\n`,
    );
  if (audited.kind === 'audited' && audited.summary.chain?.sealed === true) {
    const { breaks, head } = audited.summary.chain;
    await put(
      io.stderr,
      breaks === 0
        ? `apss audit: the chain of ${label} holds, from its first record to record ${head.position} (hash ${head.hash.slice(0, 16)}…)\n`
        : `apss audit: the chain of ${label} is broken in ${breaks} ${breaks === 1 ? 'place' : 'places'}: see the CHAIN_BROKEN findings\n`,
    );
  }
  return audited.kind === 'audited'
    ? E.right({
        summary: audited.summary,
        source: label,
        ...(audited.observed === undefined ? {} : { observed: audited.observed }),
      })
    : E.left(
        audited.error instanceof OutputFailure
          ? audited.error.message
          : `cannot read ${label}: ${reasonOf(audited.error)}`,
      );
}

/** Audits a PostgreSQL event store's records in global order; pg is loaded only here. */
async function auditStore(
  { postgres, schema, table }: AuditArguments & { readonly postgres: string },
  rules: CompiledRules,
  observe: ObserverPlan | undefined,
  output: FindingsOutput,
  io: CliIo,
): Promise<Audited> {
  const [{ PostgresEventStore }, { auditRecords }] = await Promise.all([
    import('../../postgres/index.js'),
    import('../../audit/audit.js'),
  ]);
  const store = new PostgresEventStore({
    connectionString: postgresConnectionString(postgres),
    ...(schema === undefined ? {} : { schema }),
    ...(table === undefined ? {} : { table }),
  });
  const progress = new Progress(io, 'auditing PostgreSQL');
  try {
    const missing = await absentTable(store).catch(
      (error: unknown) => `cannot read from PostgreSQL: ${firstLine(reasonOf(error))}`,
    );
    if (missing !== undefined) return E.left(missing);
    const { summary, failure, observed } = await auditRecords(
      rules,
      { kind: 'async', records: store.readRecords() },
      output.add,
      {
        ready: output.ready,
        progress: (records) => progress.update(records),
        observer: observe === undefined ? undefined : await observerOf(observe),
      },
    );
    return failure === undefined
      ? E.right({
          summary,
          source: `the PostgreSQL event store ${store.table}`,
          ...(observe === undefined ? {} : { observed: [observed] }),
        })
      : E.left(
          failure.error instanceof OutputFailure
            ? failure.error.message
            : `cannot read from PostgreSQL: ${firstLine(reasonOf(failure.error))}`,
        );
  } finally {
    progress.done();
    await store.close().catch(() => undefined);
  }
}

/** The files an audit writes: the page and the file of every finding beside it, or FILE of --resume. */
const auditOutputs = ({ html, resume }: AuditArguments): NamedFile[] => [
  ...(html === undefined
    ? []
    : [
        { name: `--html ${html}`, path: html },
        { name: `the file of every finding beside it, ${findingsFileOf(html)}`, path: findingsFileOf(html) },
      ]),
  ...(resume === undefined ? [] : [{ name: `--resume ${resume}`, path: resume }]),
];

/** The files an audit reads, but FILE of --resume, which it reads to write anew. */
const auditInputs = ({ file, checkpoint, publicKey }: AuditArguments): NamedFile[] => [
  ...(file === undefined || file === '-' ? [] : [{ name: `the log file ${file}`, path: file }]),
  ...(checkpoint === undefined ? [] : [{ name: `--checkpoint ${checkpoint}`, path: checkpoint }]),
  ...(publicKey === undefined ? [] : [{ name: `--public-key ${publicKey}`, path: publicKey }]),
];

const outputFor = (args: AuditArguments, io: CliIo): FindingsOutput =>
  args.json ? jsonOutput(io.stdout) : args.ndjson ? ndjsonOutput(io.stdout) : textOutput(io.stdout);

/**
 * `apss audit`: exit 0 without findings, 1 with findings (0 with --exit-zero), 2 when the log cannot be
 * read. The findings are written as they are found (but for the text report, which lists the first).
 */
export async function auditCommand(args: AuditArguments, io: CliIo): Promise<number> {
  const rules = compileRules(args.rules === '2023' ? rules2023 : defaultRules);
  if (E.isLeft(rules)) throw new Error(rules.left);
  const minBytes =
    io.minBytesPerThread === undefined ? E.right(undefined) : MinBytesPerThread.decode(io.minBytesPerThread);
  if (E.isLeft(minBytes)) {
    const why = problemsOf(minBytes.left).map(({ reason }) => reason);
    await put(io.stderr, `apss audit: APSS_MIN_BYTES_PER_THREAD ${why.join('; ')}\n`);
    return 2;
  }
  const overwritten = await clashingFiles(auditOutputs(args), auditInputs(args));
  if (overwritten !== undefined) {
    await put(io.stderr, `apss audit: ${overwritten}\n`);
    return 2;
  }
  const verify = await verifyOptionsOf(args);
  if (E.isLeft(verify)) {
    await put(io.stderr, `apss audit: ${verify.left}\n`);
    return 2;
  }
  const html =
    args.html === undefined
      ? undefined
      : await (await import('../html.js')).htmlReport({ ...args, html: args.html });
  if (html !== undefined && E.isLeft(html)) {
    await put(io.stderr, `apss audit: ${html.left}\n`);
    return 2;
  }
  const output = html === undefined ? outputFor(args, io) : html.right.wrap(outputFor(args, io));
  const abandon = async (): Promise<void> => {
    if (html !== undefined) await html.right.abandon();
  };
  const finish = (summary: AuditSummary, source: string): Promise<void> =>
    output.finish(summary, {
      source,
      rules: args.rules,
      unit: args.postgres === undefined ? 'line' : 'record',
    });
  const { file, resume } = args;
  const resumed = resume !== undefined && file !== undefined;
  const audited: Audited = await (
    resumed
      ? // The report is finished before FILE moves on (see auditResuming).
        auditResuming(file, resume, rules.right, args.jobs, output, finish, io)
      : args.postgres === undefined
        ? auditFile(
            args.file ?? '-',
            rules.right,
            {
              jobs: args.jobs,
              minBytesPerThread: minBytes.right,
              verify: verify.right,
              observe: html?.right.observe,
            },
            output,
            io,
          )
        : auditStore({ ...args, postgres: args.postgres }, rules.right, html?.right.observe, output, io)
  ).catch(async (error: unknown) => {
    await abandon();
    throw error;
  });
  if (E.isLeft(audited)) {
    await abandon();
    await put(io.stderr, `apss audit: ${audited.left}\n`);
    return 2;
  }
  const { summary, source, observed } = audited.right;
  if (!resumed) await finish(summary, source);
  if (html !== undefined) {
    // --html and --resume are not given together, and every other audit is observed.
    const written = await html.right.write(summary, source, observed ?? []);
    await put(io.stderr, `apss audit: ${E.isLeft(written) ? written.left : written.right}\n`);
    if (E.isLeft(written)) return 2;
  }
  return summary.findings > 0 && !args.exitZero ? 1 : 0;
}
