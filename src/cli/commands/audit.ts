import * as E from 'fp-ts/lib/Either.js';
import { Auditor } from '../../audit/auditor.js';
import { readNdjson } from '../../audit/ndjson.js';
import { compileRules, defaultRules, rules2023 } from '../../policies/ruleSet.js';
import type { AuditArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { formatReport } from '../report.js';
import { counting, openLog, reasonOf } from '../source.js';

/** Feeds an NDJSON log to the auditor line by line; Left is why the log could not be read. */
async function auditFile(file: string, auditor: Auditor, io: CliIo): Promise<E.Either<string, string>> {
  const opened = await openLog(file, io.stdin);
  if (E.isLeft(opened)) return opened;
  const { label, size, chunks } = opened.right;
  const progress = new Progress(io.stderr, `auditing ${label}`, size);
  let bytes = 0;
  let judging = false;
  try {
    await readNdjson(
      counting(chunks, (n) => (bytes += n)),
      {
        value: (position, value) => {
          judging = true;
          auditor.record(position, value);
          judging = false;
        },
        problem: (position, problem) => auditor.unreadable(position, problem),
      },
      { afterChunk: (lines) => progress.update(lines, bytes) },
    );
  } catch (error) {
    // The auditor failing is no fault of the file's: that goes up as an unexpected error.
    if (judging) throw error;
    return E.left(`cannot read ${label}: ${reasonOf(error)}`);
  } finally {
    progress.done();
  }
  return E.right(label);
}

/** Feeds a PostgreSQL event store's records to the auditor in global order; pg is loaded only here. */
async function auditStore(
  connectionString: string,
  auditor: Auditor,
  io: CliIo,
): Promise<E.Either<string, string>> {
  const { PostgresEventStore } = await import('../../postgres/index.js');
  const store = new PostgresEventStore({ connectionString });
  const progress = new Progress(io.stderr, 'auditing PostgreSQL');
  let position = 0;
  try {
    for await (const record of store.readRecords()) {
      auditor.record(++position, record);
      progress.update(position);
    }
  } catch (error) {
    return E.left(`cannot read from PostgreSQL: ${reasonOf(error)}`);
  } finally {
    progress.done();
    await store.close().catch(() => undefined);
  }
  return E.right(`the PostgreSQL event store ${store.table}`);
}

/** `apss audit`: exit 0 without findings, 1 with findings (0 with --exit-zero), 2 when the log cannot be read. */
export async function auditCommand(args: AuditArguments, io: CliIo): Promise<number> {
  const rules = compileRules(args.rules === '2023' ? rules2023 : defaultRules);
  if (E.isLeft(rules)) throw new Error(rules.left);
  const auditor = new Auditor(rules.right);
  const read =
    args.postgres !== undefined
      ? await auditStore(args.postgres, auditor, io)
      : await auditFile(args.file ?? '-', auditor, io);
  if (E.isLeft(read)) {
    await put(io.stderr, `apss audit: ${read.left}\n`);
    return 2;
  }
  const report = auditor.report();
  await put(
    io.stdout,
    args.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatReport(report, {
          source: read.right,
          rules: args.rules,
          unit: args.postgres === undefined ? 'line' : 'record',
        }),
  );
  return report.findings.length > 0 && !args.exitZero ? 1 : 0;
}
