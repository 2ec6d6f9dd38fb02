import type pg from 'pg';
import { fnv1a } from '../lib/hash.js';
import { SNAPSHOT_FORMAT, type StoredSnapshot } from '../store/snapshots.js';
import { EventStoreRequestError } from '../store/errors.js';
import { withClient } from './clients.js';
import { isMissingTable } from './schema.js';
import { DDL_LOCK } from './sql.js';

/** pg's code for a relation that does not exist. */

export type SnapshotSql = ReturnType<typeof snapshotSql>;

/**
 * The SQL of a snapshots table: one row per stream, its latest snapshot, with the stream version it
 * was taken at and its format. Names are checked SqlNames (options.ts), quoted; values are parameters.
 */
export function snapshotSql(schema: string, table: string) {
  const qualified = `"${schema}"."${table}"`;
  const statement = (name: string): string => `apss_${fnv1a(qualified).toString(36)}_${name}`;
  return {
    qualified,
    create: [
      DDL_LOCK,
      `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        stream_id text PRIMARY KEY,
        stream_version integer NOT NULL CHECK (stream_version >= 1),
        format integer NOT NULL,
        snapshot json NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
    /** The snapshot of a format this version reads: one of another is never sent over. */
    read: {
      name: statement('read_snapshot'),
      text: `SELECT stream_version, snapshot FROM ${qualified} WHERE stream_id = $1 AND format = $2`,
    },
    /**
     * Replaces the stream's snapshot only with one of a later version, or of another format (an
     * earlier version's, which this version reads no more), or when told to ($5: one kept that is
     * not of the stream): concurrent writers keep the latest.
     */
    write: {
      name: statement('write_snapshot'),
      text: `INSERT INTO ${qualified} AS kept (stream_id, stream_version, format, snapshot)
        VALUES ($1, $2, $3, $4::json)
        ON CONFLICT (stream_id) DO UPDATE
          SET stream_version = excluded.stream_version, format = excluded.format,
            snapshot = excluded.snapshot, taken_at = now()
          WHERE $5::boolean OR kept.stream_version < excluded.stream_version
            OR kept.format <> excluded.format`,
    },
  };
}

/** pg's code for a column that does not exist. */
const UNDEFINED_COLUMN = '42703';

/**
 * What a query of the snapshots table threw, said of the option that named it when the table is
 * not one (another store's events table of that name, say): a column of a snapshots table is missing.
 */
function snapshotTableError(operation: string, qualified: string, error: unknown): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== UNDEFINED_COLUMN) return error;
  return new EventStoreRequestError(operation, [
    {
      path: 'options.snapshotTable',
      reason: `names ${qualified}, which is not a snapshots table (${error.message}): give the store a snapshotTable of its own`,
    },
  ]);
}

/**
 * The snapshots of a PostgresEventStore, in their own table beside the events. Reading creates
 * nothing (a table that is not there holds no snapshot); the first write creates the table.
 */
export class PostgresSnapshots {
  #created: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: SnapshotSql,
  ) {}

  async read(streamId: string): Promise<StoredSnapshot | undefined> {
    try {
      const found = await this.pool.query<{ stream_version: number; snapshot: unknown }>({
        ...this.sql.read,
        values: [streamId, SNAPSHOT_FORMAT],
      });
      const row = found.rows[0];
      return row && { streamVersion: row.stream_version, snapshot: row.snapshot };
    } catch (error) {
      if (isMissingTable(error)) return undefined;
      throw snapshotTableError('readSnapshot', this.sql.qualified, error);
    }
  }

  /** Keeps a snapshot's JSON text, checked (see checkSnapshotWrite): one of SNAPSHOT_FORMAT. */
  async write(streamId: string, streamVersion: number, json: string, replace: boolean): Promise<void> {
    const values = [streamId, streamVersion, SNAPSHOT_FORMAT, json, replace];
    await this.#ensureTable();
    try {
      await this.pool.query({ ...this.sql.write, values });
    } catch (error) {
      if (!isMissingTable(error)) throw snapshotTableError('writeSnapshot', this.sql.qualified, error);
      // Dropped since this store created it: made again, once.
      this.#created = undefined;
      await this.#ensureTable();
      await this.pool.query({ ...this.sql.write, values });
    }
  }

  /** The table, created if missing (a failed attempt, say the database was down, is tried again next time). */
  async #ensureTable(): Promise<void> {
    await (this.#created ??= this.#create().catch((error: unknown) => {
      this.#created = undefined;
      throw error;
    }));
  }

  async #create(): Promise<void> {
    const exists = await this.pool.query('SELECT to_regclass($1) IS NOT NULL AS found', [this.sql.qualified]);
    if ((exists.rows[0] as { found: boolean } | undefined)?.found === true) return;
    await withClient(this.pool, async (client) => {
      await client.query('BEGIN');
      for (const statement of this.sql.create) await client.query(statement);
      await client.query('COMMIT');
    });
  }
}
