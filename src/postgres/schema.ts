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
      /** Whether the function that unsealed appends call is there (TableSql.appendFunction). */
      readonly appendable: boolean;
    };

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
  }>(sql.describe, [sql.qualified, sql.appendFunction.signature]);
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

/**
 * Creates the schema and the events table unless the table is there, and returns the name of its
 * unique index on the stream positions. Idempotent, and safe when many processes start at once: the
 * DDL runs under one advisory lock. A database user without the right to create anything can use a
 * table made beforehand (the check looks first, creates only if missing). A table without that
 * unique index is refused: appends could not detect a conflict. A table of an earlier version, without
 * the transaction id column, gets it (see TableSql.upgrade) before the first append.
 *
 * With `seal` the table gets the chain columns (SealSql.addChain) in the same transaction, if it
 * holds no event yet; a table with events that is not sealed is refused (a chain starts at the first
 * event). Without `seal`, a sealed table is refused: an append that does not seal would break its chain,
 * and the table gets its append function (TableSql.appendFunction) if it is missing, as a table of an
 * earlier version does.
 */
export async function ensureTable(pool: Pool, sql: TableSql, seal: SealSql | undefined): Promise<string> {
  const positionKeyOf = (state: TableState): string => {
    if (!state.exists || state.positionKey === null)
      throw tableProblem(
        sql,
        'a table without a unique index on (stream_id, stream_position), which appends need to detect conflicts',
      );
    return state.positionKey;
  };
  const state = await describeTable(pool, sql);
  // A table that cannot be used is refused before anything is changed in it.
  if (state.exists) {
    positionKeyOf(state);
    if (state.sealed && seal === undefined) throw sealedTableProblem(sql);
    if (state.followable && state.sealed === (seal !== undefined) && (seal !== undefined || state.appendable))
      return positionKeyOf(state);
  }
  const statements = [
    ...(!state.exists ? sql.create : state.followable ? [] : sql.upgrade),
    ...(seal === undefined || (state.exists && state.sealed) ? [] : seal.addChain),
    ...(seal !== undefined || (state.exists && state.appendable) ? [] : sql.appendFunction.create),
  ];
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    for (const statement of statements)
      await client.query(statement).catch((error: unknown) => {
        throw isNotNullViolation(error) ? unsealedRowsProblem(sql) : error;
      });
    await client.query('COMMIT');
  });
  const after = await describeTable(pool, sql);
  if (after.exists && after.sealed && seal === undefined) throw sealedTableProblem(sql);
  return positionKeyOf(after);
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
