import type { Pool } from 'pg';
import { EventStoreRequestError } from '../store/errors.js';
import type { TableSql } from './sql.js';
import { withClient } from './clients.js';
import type { SealSql } from './sealedAppend.js';

/** What the events table's name stands for in the database: nothing yet, or a table ready for the store. */
export type TableState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      /** The unique index on (stream_id, stream_position), by which an append's conflict is known; null if the table has none. */
      readonly positionKey: string | null;
      /** Whether rows record their transaction id, which readAll needs to follow global order (an earlier version's table may not). */
      readonly followable: boolean;
      /** Whether rows carry the chain columns: then every append must seal (sealedAppend.ts). */
      readonly sealed: boolean;
      /** Whether unsealed appends can call the append function (see TableSql.describe). */
      readonly appendable: boolean;
    };

/**
 * What a query threw when its table, or the schema of it, is not there (42P01 undefined_table, 3F000
 * invalid_schema_name): dropped since the store looked, say, by whoever resets the database.
 */
export const isMissingTable = (error: unknown): boolean =>
  error instanceof Error && ['42P01', '3F000'].includes(String((error as { code?: unknown }).code));

/** pg_class relkinds, as a refusal names them. */
const kinds: { readonly [relkind: string]: string } = {
  i: 'an index',
  I: 'a partitioned index',
  S: 'a sequence',
  v: 'a view',
  m: 'a materialized view',
  c: 'a composite type',
  t: 'a TOAST table',
  f: 'a foreign table',
};

const tableProblem = (sql: TableSql, reason: string): EventStoreRequestError =>
  new EventStoreRequestError('PostgresEventStore options', [
    { path: 'options.table', reason: `names ${sql.qualified}, ${reason}` },
  ]);

/**
 * The table's state. A name taken by something else than a table (say `events_pkey`, the index of
 * the table `events`) is an EventStoreRequestError naming options.table, never read nor written.
 */
export async function describeTable(pool: Pool, sql: TableSql): Promise<TableState> {
  const found = await pool.query<{
    kind: string;
    position_key: string | null;
    followable: boolean;
    sealed: boolean;
    appendable: boolean;
  }>(sql.describe, [sql.qualified, sql.append.function.signature, sql.append.function.body]);
  const row = found.rows[0];
  if (row === undefined) return { exists: false };
  if (row.kind !== 'r' && row.kind !== 'p')
    throw tableProblem(sql, `which is ${kinds[row.kind] ?? `a relation of kind ${row.kind}`}, not a table`);
  return {
    exists: true,
    positionKey: row.position_key,
    followable: row.followable,
    sealed: row.sealed,
    appendable: row.appendable,
  };
}

/** What appends need to know of a table ready for them. */
export type WritableTable = {
  /** The unique index on stream positions, by whose name an append's conflict is known. */
  readonly positionKey: string;
  /** Whether unsealed appends call the append function; else they send its statement (AppendSql). */
  readonly appendable: boolean;
};

/**
 * Creates the schema and the events table unless the table is there, and says how to append to
 * it. Idempotent, and safe when many processes start at once: the DDL runs under one advisory lock.
 * A database user without the right to create anything can use a table made beforehand (the check
 * looks first, creates only if missing). A table without that unique index is refused: appends could
 * not detect a conflict. A table of an earlier version, without the transaction id column, gets it
 * (see TableSql.upgrade) before the first append.
 *
 * With `seal` the table gets the chain columns (SealSql.addChain) in the same transaction, if it
 * holds no event yet; a table with events that is not sealed is refused (a chain starts at the first
 * event). Without `seal`, a sealed table is refused: an append that does not seal would break its
 * chain; and the append function is made if it is missing (a table of an earlier version has none).
 * Where it cannot be made (the user may not create anything), or the function of its name cannot be
 * trusted or called (see TableSql.describe), appends send its statement instead.
 */
export async function ensureTable(
  pool: Pool,
  sql: TableSql,
  seal: SealSql | undefined,
): Promise<WritableTable> {
  const writable = (state: TableState): WritableTable => {
    if (!state.exists || state.positionKey === null)
      throw tableProblem(
        sql,
        'a table without a unique index on (stream_id, stream_position), which appends need to detect conflicts',
      );
    return { positionKey: state.positionKey, appendable: seal === undefined && state.appendable };
  };
  const state = await describeTable(pool, sql);
  // A table that cannot be used is refused before anything is changed in it.
  if (state.exists) {
    writable(state);
    if (state.sealed && seal === undefined) throw sealedTableProblem(sql);
    if (state.followable && state.sealed === (seal !== undefined) && (seal !== undefined || state.appendable))
      return writable(state);
  }
  const statements = [
    ...(!state.exists ? sql.create : state.followable ? [] : sql.upgrade),
    ...(seal === undefined || (state.exists && state.sealed) ? [] : seal.addChain),
  ];
  if (statements.length > 0)
    await withClient(pool, async (client) => {
      await client.query('BEGIN');
      for (const statement of statements)
        await client.query(statement).catch((error: unknown) => {
          throw isNotNullViolation(error) ? unsealedRowsProblem(sql) : error;
        });
      await client.query('COMMIT');
    });
  if (seal === undefined && !(state.exists && state.appendable)) await makeAppendFunction(pool, sql);
  const after = await describeTable(pool, sql);
  if (after.exists && after.sealed && seal === undefined) throw sealedTableProblem(sql);
  return writable(after);
}

/**
 * Makes the append function, under the DDL lock. One of its name that is there already (42723, or
 * the unique key of pg_proc where the catalog was read before another process made it) is left as it
 * is, as it is by a user who may not create it (42501); describeTable then says whether appends can
 * call it.
 */
async function makeAppendFunction(pool: Pool, sql: TableSql): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    await client.query(sql.ddlLock);
    await client.query(sql.append.function.create);
    await client.query('COMMIT');
  }).catch((error: unknown) => {
    const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
    const there = code === '42723' || (code === '23505' && constraint === 'pg_proc_proname_args_nsp_index');
    if (code !== '42501' && !there) throw error;
  });
}

const isNotNullViolation = (error: unknown): boolean =>
  error instanceof Error && (error as { code?: unknown }).code === '23502';

const sealedTableProblem = (sql: TableSql): EventStoreRequestError =>
  new EventStoreRequestError('PostgresEventStore options', [
    {
      path: 'options.seal',
      reason: `is not set, but ${sql.qualified} is sealed (its events are links of a hash chain): every append to it must seal`,
    },
  ]);

const unsealedRowsProblem = (sql: TableSql): EventStoreRequestError =>
  new EventStoreRequestError('PostgresEventStore options', [
    {
      path: 'options.seal',
      reason: `cannot seal ${sql.qualified}: it holds events appended without seal, and a chain starts at the first event`,
    },
  ]);
