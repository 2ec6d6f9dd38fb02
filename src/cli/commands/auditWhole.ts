import * as E from 'fp-ts/lib/Either.js';
import { Auditor, type AuditSummary, type FindingSink } from '../../audit/auditor.js';
import { readNdjson } from '../../audit/ndjson.js';
import type { CompiledRules } from '../../policies/ruleSet.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { counting, firstLine, openLog, paced, postgresConnectionString, reasonOf } from '../source.js';

/** Records of a store read between two waits for the output to be taken. */
const RECORDS_BETWEEN_WAITS = 1024;

/** What a source is fed to: the auditor, what says when the output has been taken, and the streams. */
type Feeding = { readonly auditor: Auditor; readonly ready: () => Promise<void>; readonly io: CliIo };

/** Feeds an NDJSON log to the auditor line by line; Left is why the log could not be read. */
async function auditFile(file: string, { auditor, ready, io }: Feeding): Promise<E.Either<string, string>> {
  const opened = await openLog(file, io.stdin);
  if (E.isLeft(opened)) return opened;
  const { label, size, chunks } = opened.right;
  const progress = new Progress(io, `auditing ${label}`, size);
  let bytes = 0;
  let judging = false;
  try {
    await readNdjson(
      paced(
        counting(chunks, (n) => (bytes += n)),
        ready,
      ),
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
  { auditor, ready, io }: Feeding,
): Promise<E.Either<string, string>> {
  const { PostgresEventStore } = await import('../../postgres/index.js');
  const store = new PostgresEventStore({ connectionString: postgresConnectionString(connectionString) });
  const progress = new Progress(io, 'auditing PostgreSQL');
  let position = 0;
  try {
    for await (const record of store.readRecords()) {
      auditor.record(++position, record);
      progress.update(position);
      if (position % RECORDS_BETWEEN_WAITS === 0) await ready();
    }
  } catch (error) {
    return E.left(`cannot read from PostgreSQL: ${firstLine(reasonOf(error))}`);
  } finally {
    progress.done();
    await store.close().catch(() => undefined);
  }
  return E.right(`the PostgreSQL event store ${store.table}`);
}

/** Where the findings of a whole audit go, and from where: those of lines up to `after` were given already. */
export type WholeAuditOutput = {
  readonly found: FindingSink;
  readonly ready: () => Promise<void>;
  readonly after: number;
};

/**
 * Audits a whole log in this thread: a file, stdin (`-`) or a PostgreSQL store, its findings given
 * to `found` as they are found. The counts and how its source is named, or Left: why the log could
 * not be read.
 */
export async function auditWhole(
  source: { readonly file: string } | { readonly postgres: string },
  rules: CompiledRules,
  { found, ready, after }: WholeAuditOutput,
  io: CliIo,
): Promise<E.Either<string, { readonly summary: AuditSummary; readonly label: string }>> {
  const auditor = new Auditor(rules, (finding) => {
    if (finding.position > after) found(finding);
  });
  const feeding = { auditor, ready, io };
  const read =
    'postgres' in source ? await auditStore(source.postgres, feeding) : await auditFile(source.file, feeding);
  return E.map((label: string) => ({ summary: auditor.summary(), label }))(read);
}
