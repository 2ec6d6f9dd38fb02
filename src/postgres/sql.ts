import { fnv1a } from '../lib/hash.js';

// The SQL of one events table. Names are checked SqlNames (options.ts) and quoted; values are parameters.

/** First key of every advisory lock this library takes (the two-key space does not overlap pg's one-key space). */
export const LOCK_SPACE = 0x61707373; // 'apss'

/** A stable 32-bit hash of a text, as a signed integer for pg's advisory lock keys. */
const lockKey = (text: string): number => fnv1a(text) | 0;

export type TableSql = ReturnType<typeof tableSql>;

export function tableSql(schema: string, table: string) {
  const qualified = `"${schema}"."${table}"`;
  // Prepared statement names are per connection; a pool may serve stores on several tables.
  const statement = (name: string): string => `apss_${fnv1a(qualified).toString(36)}_${name}`;
  const appendLock = `${LOCK_SPACE}, ${lockKey(qualified)}`;
  const appendBody = `
    DECLARE
      base integer;
    BEGIN
      PERFORM pg_advisory_lock(${appendLock});
      base := coalesce(expected, (SELECT max(t.stream_position) FROM ${qualified} t WHERE t.stream_id = stream), 0);
      IF (base = 0 OR EXISTS (SELECT 1 FROM ${qualified} t WHERE t.stream_id = stream AND t.stream_position = base))
          AND NOT EXISTS (SELECT 1 FROM ${qualified} t WHERE t.stream_id = stream AND t.stream_position = base + 1) THEN
        INSERT INTO ${qualified} (stream_id, stream_position, type, data, metadata)
          SELECT stream, base + e.ordinality, e.value->>'type', e.value->'data', e.value->'metadata'
          FROM jsonb_array_elements(events) WITH ORDINALITY AS e
          ORDER BY e.ordinality;
        base := base + jsonb_array_length(events);
      ELSE
        base := NULL;
      END IF;
      PERFORM pg_advisory_unlock(${appendLock});
      RETURN base;
    END`;
  // The body's hash in the name: a version of the library whose append differs makes a function of its own.
  const appendFunction = `"${schema}"."apss_append_${fnv1a(qualified).toString(36)}_${fnv1a(appendBody).toString(36)}"`;
  return {
    qualified,
    /**
     * What the name is (its pg_class relkind), and the name of its unique index on (stream_id,
     * stream_position): the one an append's conflict violates. The index is looked up by its
     * columns, not by the name it was given, which pg shortens to 63 bytes for a long table name.
     * `sealed`: whether it has the chain columns (sealedAppend.ts); `appendable`: whether the append
     * function ($2, its signature) is there.
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
        to_regprocedure($2) IS NOT NULL AS appendable
      FROM pg_class c WHERE c.oid = to_regclass($1)`,
    /**
     * DDL of all apss stores of a database is serialised, so concurrent first uses do not collide.
     * The table's constraints and indexes are named by PostgreSQL, which keeps a name within 63 bytes
     * and clear of every other relation in the schema, whatever the table's name.
     */
    create: [
      `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, 0)`,
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
      `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, 0)`,
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS transaction_id xid8 NOT NULL DEFAULT '0'`,
      `ALTER TABLE ${qualified} ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id()`,
    ],
    version: {
      name: statement('version'),
      text: `SELECT coalesce(max(stream_position), 0) AS version FROM ${qualified} WHERE stream_id = $1`,
    },
    /**
     * The append, as a function the store keeps beside the table (`appendFunction.create`), called
     * with its values in one round trip; it runs in a transaction of its own, committed as the call
     * ends. A function's statements are planned once per connection, where a statement sent as text
     * is planned on every call, which cost an append more than its execution. The kept plans never
     * scan the table whole: `enable_seqscan` is off inside the function, so a plan made while the
     * table was small does not make every append cost more as it grows. Names in the body resolve
     * in pg_catalog only, whatever the caller's search_path.
     *
     * The function takes the table's append lock, a session lock, before it draws anything, and lets
     * go of it once its rows are in, before the commit. Inside the lock the transaction draws its
     * global positions and its transaction id (the column's default), so among the appends to this
     * table a lower transaction id always goes with lower positions. That is what lets readAll stop
     * below the oldest transaction in flight (see readAll) and still follow global order. The
     * commits, where the time goes, run in parallel, and the lock is never held across a round trip
     * to the client. When the call fails after taking the lock, the lock stays with the session:
     * `unlock` lets go of it.
     *
     * The insert puts the events at positions expected+1...: the unique (stream_id, stream_position)
     * constraint refuses them when the stream has grown past `expected` in a transaction not yet
     * committed; the NOT EXISTS inserts nothing when it has grown past it before, and the EXISTS
     * when it has not reached it yet. Inserting nothing draws no global position: readAll waits at
     * the gaps that failed appends leave. `expected` null means 'any': after the last position
     * committed when the lock was taken, which an append that commits meanwhile may take too (the
     * store then appends again).
     * Values: $1 the stream id, $2 the expected version or null, $3 the events as a JSON array
     * (never empty). Answers one row: `version`, the stream's last position after the insert, null
     * if it inserted nothing.
     */
    appendFunction: {
      /** Whether the function exists, as `to_regprocedure` is asked: its name and argument types. */
      signature: `${appendFunction}(text, integer, jsonb)`,
      create: [
        `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, 0)`,
        `CREATE OR REPLACE FUNCTION ${appendFunction}(stream text, expected integer, events jsonb)
          RETURNS integer LANGUAGE plpgsql
          SET search_path = pg_catalog, pg_temp SET enable_seqscan = off SET plan_cache_mode = force_generic_plan
          AS $apss$${appendBody}$apss$`,
      ],
      call: {
        name: statement('append'),
        text: `SELECT ${appendFunction}($1::text, $2::integer, $3::jsonb) AS version`,
      },
    },
    /** After a failed append: its lock let go (pg warns, harmlessly, when it had not got that far). */
    unlock: `SELECT pg_advisory_unlock(${appendLock})`,
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
