import * as E from 'fp-ts/lib/Either.js';
import { Auditor, type AuditReport } from '../../audit/auditor.js';
import { readNdjson } from '../../audit/ndjson.js';
import type { CompiledRules } from '../../policies/ruleSet.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { counting, firstLine, openLog, postgresConnectionString, reasonOf } from '../source.js';

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
  const store = new PostgresEventStore({ connectionString: postgresConnectionString(connectionString) });
  const progress = new Progress(io.stderr, 'auditing PostgreSQL');
  let position = 0;
  try {
    for await (const record of store.readRecords()) {
      auditor.record(++position, record);
      progress.update(position);
    }
  } catch (error) {
    return E.left(`cannot read from PostgreSQL: ${firstLine(reasonOf(error))}`);
  } finally {
    progress.done();
    await store.close().catch(() => undefined);
  }
  return E.right(`the PostgreSQL event store ${store.table}`);
}

/**
 * Audits a whole log in this thread: a file, stdin (`-`) or a PostgreSQL store. The report and how
 * its source is named, or Left: why the log could not be read.
 */
export async function auditWhole(
  source: { readonly file: string } | { readonly postgres: string },
  rules: CompiledRules,
  io: CliIo,
): Promise<E.Either<string, { readonly report: AuditReport; readonly label: string }>> {
  const auditor = new Auditor(rules);
  const read =
    'postgres' in source
      ? await auditStore(source.postgres, auditor, io)
      : await auditFile(source.file, auditor, io);
  return E.map((label: string) => ({ report: auditor.report(), label }))(read);
}
