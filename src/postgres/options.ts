import * as E from 'fp-ts/lib/Either.js';
import type { Pool, PoolConfig } from 'pg';
import { integerFrom, isRecord, refined, struct, type FieldProblem } from '../lib/codec.js';
import { fnv1a } from '../lib/hash.js';
import { MAX_STREAM_VERSION } from '../store/eventStore.js';
import { optionProblems, SealOption } from '../store/optionCodecs.js';

export const DEFAULT_SCHEMA = 'apss';
export const DEFAULT_TABLE = 'events';
export const DEFAULT_PAGE_SIZE = 1_000;
export const MAX_PAGE_SIZE = 100_000;
/** The snapshots table is the events table's name with this after it, unless named. */
export const SNAPSHOT_TABLE_SUFFIX = '_snapshots';
const MAX_SQL_NAME = 63;

/**
 * `<table>_snapshots`, or, where that is longer than an SQL name may be, the table's name cut short
 * with a hash of the whole of it, so that two long names that differ only at their end still get
 * two tables.
 */
export function defaultSnapshotTable(table: string): string {
  const name = `${table}${SNAPSHOT_TABLE_SUFFIX}`;
  if (name.length <= MAX_SQL_NAME) return name;
  const hash = fnv1a(table).toString(36).padStart(7, '0');
  return `${table.slice(0, MAX_SQL_NAME - SNAPSHOT_TABLE_SUFFIX.length - hash.length - 1)}_${hash}${SNAPSHOT_TABLE_SUFFIX}`;
}

/**
 * Where and how to keep the events: pg's own connection settings (`connectionString`, `host`, `max`,
 * ...; unset ones come from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE as pg reads them), or a
 * `pool` of the caller's, plus the schema and table to use and how many rows one read fetches at a time.
 */
export type PostgresEventStoreOptions = PoolConfig & {
  /**
   * A pool of the caller's: its connection settings win over the ones above, and close() leaves it
   * open. The store listens to every client the pool connects from then on (until close()), so a
   * connection the server terminates never reaches the process as an unhandled 'error' event. The
   * caller listens to the pool's own 'error' event (an idle client that dies) and to the clients it
   * checks out itself.
   */
  readonly pool?: Pool | undefined;
  /** The schema holding the table, created when missing ('apss'). */
  readonly schema?: string | undefined;
  /** The events table ('events'). */
  readonly table?: string | undefined;
  /** Rows per read query (1000): a read holds at most two pages in memory. */
  readonly pageSize?: number | undefined;
  /**
   * Keep a hash chain over the log (false): each append links its events after the last one, in its
   * transaction (docs/integrity.md). A sealed table takes sealed appends only.
   */
  readonly seal?: boolean | undefined;
  /**
   * Takes a snapshot of a stream after each append that brings it past a multiple of this many
   * events (none unless given): a cold handleCommand then reads the snapshot and the events after it.
   */
  readonly snapshotEvery?: number | undefined;
  /** The snapshots table, in the same schema (`<table>_snapshots`, see defaultSnapshotTable). */
  readonly snapshotTable?: string | undefined;
};

/** A lower-case SQL identifier, so that it can be quoted as it is. */
export const SqlName = refined(
  'SqlName',
  (u): u is string => typeof u === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(u),
  'a lower-case SQL name: a letter or _, then letters, digits or _, at most 63 in all',
);
const PageSize = integerFrom('PageSize', 1, MAX_PAGE_SIZE);
export const PoolLike = refined(
  'Pool',
  (u): u is Pool => isRecord(u) && typeof u.query === 'function' && typeof u.connect === 'function',
  'a pg Pool',
);

/** The store's own options; every other field is pg's and goes to the pool as given. */
const StoreOptions = struct(
  'PostgresEventStoreOptions',
  {},
  {
    pool: PoolLike,
    schema: SqlName,
    table: SqlName,
    pageSize: PageSize,
    seal: SealOption,
    snapshotEvery: integerFrom('SnapshotEvery', 1, MAX_STREAM_VERSION),
    snapshotTable: SqlName,
  },
  'strip',
);

export type StoreSettings = {
  readonly schema: string;
  readonly table: string;
  readonly pageSize: number;
  readonly seal: boolean;
  readonly snapshots: { readonly table: string; readonly every: number | undefined };
  /** The caller's pool, or the settings for one of the store's own. */
  readonly connection: { readonly pool: Pool } | { readonly config: PoolConfig };
};

export function decodeStoreOptions(options: unknown): E.Either<readonly FieldProblem[], StoreSettings> {
  const decoded = StoreOptions.decode(options ?? {});
  if (E.isLeft(decoded)) return E.left(optionProblems(decoded.left));
  const {
    pool,
    schema = DEFAULT_SCHEMA,
    table = DEFAULT_TABLE,
    pageSize = DEFAULT_PAGE_SIZE,
    seal = false,
    snapshotEvery,
    snapshotTable = defaultSnapshotTable(table),
  } = decoded.right;
  // A snapshots table of the events table's name would be taken for one already made, and read as one.
  if (snapshotTable === table)
    return E.left([
      {
        path: 'options.snapshotTable',
        reason: `names the events table (${table}): snapshots need a table of their own`,
      },
    ]);
  const snapshots = { table: snapshotTable, every: snapshotEvery };
  if (pool !== undefined) return E.right({ schema, table, pageSize, seal, snapshots, connection: { pool } });
  const {
    pool: _,
    schema: _s,
    table: _t,
    pageSize: _p,
    seal: _seal,
    snapshotEvery: _e,
    snapshotTable: _n,
    ...config
  } = (options ?? {}) as PostgresEventStoreOptions;
  return E.right({ schema, table, pageSize, seal, snapshots, connection: { config } });
}
