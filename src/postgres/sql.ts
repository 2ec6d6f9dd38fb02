import { fnv1a } from '../lib/hash.js';
import { appendSql } from './appendSql.js';

// The SQL of one events table. Names are checked SqlNames (options.ts) and quoted; values are parameters.

/** First key of every advisory lock this library takes (the two-key space does not overlap pg's one-key space). */
export const LOCK_SPACE = 0x61707373; // 'apss'

/** A stable 32-bit hash of a text, as a signed integer for pg's advisory lock keys. */
const lockKey = (text: string): number => fnv1a(text) | 0;

/**
 * The lock every apss DDL of a database takes first (the stores' tables, their snapshots, the views),
 * so that stores and runners starting at once do not collide (CREATE SCHEMA IF NOT EXISTS is not
 * safe against another running at the same time).
 */
export const DDL_LOCK = `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, 0)`;

export type TableSql = ReturnType<typeof tableSql>;

export function tableSql(schema: string, table: string) {
  const qualified = `"${schema}"."${table}"`;
  // Prepared statement names are per connection; a pool may serve stores on several tables.
  const statement = (name: string): string => `apss_${fnv1a(qualified).toString(36)}_${name}`;
  const appendLock = `${LOCK_SPACE}, ${lockKey(qualified)}`;
  const ddlLock = DDL_LOCK;
  return {
    qualified,
    /**
     * What the name is (its pg_class relkind), and the name of its unique index on (stream_id,
     * stream_position): the one an append's conflict violates. The index is looked up by its
     * columns, not by the name it was given, which pg shortens to 63 bytes for a long table name.
     * `sealed`: whether it has the chain columns (sealedAppend.ts); `appendable`: whether the append
     * function ($2, its signature) is there, is the one this version makes ($3, its body), and can be
     * trusted and called: its owner is the table's, this user or a superuser (no other user's code
     * runs with this user's rights), and this user may execute it.
     */
    describe: `SELECT c.relkind AS kind,
        (SELECT x.relname FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
          WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 2
            AND i.indpred IS NULL AND i.indexprs IS NULL
            AND ARRAY(SELECT a.attname::text FROM pg_attribute a
                WHERE a.attrelid = c.oid AND (a.attnum = i.indkey[0] OR a.attnum = i.indkey[1])
                ORDER BY a.attname) = ARRAY['stream_id', 'stream_position']
          ORDER BY x.relname LIMIT 1) AS position_key,
        EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'transaction_id'
          AND NOT a.attisdropped) AS followable,
        EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'hash'
          AND NOT a.attisdropped) AS sealed,
        EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = to_regprocedure($2) AND p.prosrc = $3
          AND (p.proowner = c.relowner OR p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
            OR (SELECT rolsuper FROM pg_roles WHERE oid = p.proowner))
          AND has_function_privilege(p.oid, 'EXECUTE')) AS appendable
      FROM pg_class c WHERE c.oid = to_regclass($1)`,
    /** Taken first in every transaction of DDL. */
    ddlLock,
    /**
     * DDL of all apss stores of a database is serialised, so concurrent first uses do not collide.
     * The table's constraints and indexes are named by PostgreSQL, which keeps a name within 63 bytes
     * and clear of every other relation in the schema, whatever the table's name.
     */
    create: [
      ddlLock,
      `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id text NOT NULL,
        stream_position integer NOT NULL CHECK (stream_position >= 1),
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        UNIQUE (stream_id, stream_position)
      )`,
    ],
    /**
     * A table of an earlier version gets the transaction id column. Its rows take the id 0: they were
     * all committed before this runs, below any snapshot's oldest transaction in flight. The default
     * is set apart so the column is added without rewriting the table.
     */
    upgrade: [
      ddlLock,
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS transaction_id xid8 NOT NULL DEFAULT '0'`,
      `ALTER TABLE ${qualified} ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id()`,
    ],
    version: {
      name: statement('version'),
      text: `SELECT coalesce(max(stream_position), 0) AS version FROM ${qualified} WHERE stream_id = $1`,
    },
    append: appendSql(qualified, schema, appendLock, statement),
    readStream: {
      name: statement('read_stream'),
      text: `SELECT global_position, stream_position, type, data, metadata FROM ${qualified}
        WHERE stream_id = $1 AND stream_position > $2 ORDER BY stream_position LIMIT $3`,
    },
    /**
     * Rows in global order up to the first one that a transaction still in flight could yet land
     * before. A row is settled when its transaction is older than the oldest one in flight (appends
     * draw positions in transaction id order, see append, so every row still to come lies after
     * it), or when it directly follows the row before it (or `after`): nothing can land in between.
     * Rows after a gap left by a transaction that may still be in flight wait for a later read.
     */
    readAll: {
      name: statement('read_all'),
      text: `WITH page AS (
          SELECT global_position, stream_id, stream_position, type, data, metadata,
            transaction_id < pg_snapshot_xmin(pg_current_snapshot())
              OR global_position - coalesce(lag(global_position) OVER (ORDER BY global_position), $1::bigint) = 1
              AS settled
          FROM ${qualified} WHERE global_position > $1::bigint ORDER BY global_position LIMIT $2
        )
        SELECT global_position, stream_id, stream_position, type, data, metadata FROM page
        WHERE global_position < coalesce((SELECT min(global_position) FROM page WHERE NOT settled), 'Infinity'::numeric)
        ORDER BY global_position`,
    },
    /** readAll on a table an earlier version made, which no append of this version has written yet. */
    readAllUnfollowable: {
      name: statement('read_all_unfollowable'),
      text: `SELECT global_position, stream_id, stream_position, type, data, metadata FROM ${qualified}
        WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
    },
  };
}
