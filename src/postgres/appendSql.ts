import { fnv1a } from '../lib/hash.js';

// The SQL of an append to one events table: a function kept beside the table, and the statement
// that does the same where the function cannot be made or used (see PostgresEventStore's #insert).
//
// Both put a request's events in one transaction of its own, sent with its values in one round
// trip, committed as the call ends. Each takes the table's append lock, a session lock, before it
// draws anything, and lets go of it once its rows are in, before the commit. Inside the lock the
// transaction draws its global positions and its transaction id (the column's default), so among
// the appends to the table a lower transaction id always goes with lower positions. That is what
// lets readAll stop below the oldest transaction in flight and still follow global order. The
// commits, where the time goes, run in parallel, and the lock is never held across a round trip to
// the client. When a call fails after taking the lock, the lock stays with the session: `unlock`
// lets go of it.
//
// The events go in at positions expected+1...: the unique (stream_id, stream_position) constraint
// refuses them when the stream has grown past `expected` in a transaction not yet committed; the
// NOT EXISTS inserts nothing when it has grown past it before, and the EXISTS when it has not
// reached it yet. Inserting nothing draws no global position: readAll waits at the gaps that failed
// appends leave. `expected` null means 'any': after the last position the call sees, which an
// append that commits meanwhile may take too (the store then appends again).
//
// Values: $1 the stream id, $2 the expected version or null, $3 the events as a JSON array (never
// empty). Answers one row: `version`, the stream's last position after the insert, null if it
// inserted nothing.

export type AppendSql = ReturnType<typeof appendSql>;

/**
 * `qualified`: the table, quoted; `schema`: its schema, unquoted; `lock`: the two keys of its append
 * lock; `statement`: the name of a prepared statement of this table's.
 */
export function appendSql(
  qualified: string,
  schema: string,
  lock: string,
  statement: (name: string) => string,
) {
  const last = `(SELECT max(stream_position) FROM ${qualified} WHERE stream_id = $1::text)`;
  const at = (position: string): string =>
    `EXISTS (SELECT 1 FROM ${qualified} WHERE stream_id = $1::text AND stream_position = ${position})`;
  /** Whether the stream is at `version`: the events fit after it. */
  const fits = (version: string): string =>
    `(${version} = 0 OR ${at(version)}) AND NOT ${at(`${version} + 1`)}`;
  const insert = (version: string, from: string, where: string): string =>
    `INSERT INTO ${qualified} (stream_id, stream_position, type, data, metadata)
      SELECT $1::text, ${version} + e.ordinality, e.value->>'type', e.value->'data', e.value->'metadata'
      FROM ${from}jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e
      WHERE ${where}
      ORDER BY e.ordinality`;

  // In the function a variable wins over a column of the same name (a column a user added, say);
  // every column is named inside a FROM of the table.
  const body = `
    #variable_conflict use_variable
    DECLARE
      version integer;
    BEGIN
      PERFORM pg_advisory_lock(${lock});
      version := coalesce($2::integer, ${last}, 0);
      IF ${fits('version')} THEN
        ${insert('version', '', 'true')};
        version := version + jsonb_array_length($3::jsonb);
      ELSE
        version := NULL;
      END IF;
      PERFORM pg_advisory_unlock(${lock});
      RETURN version;
    END`;
  // The body's hash in the name: a version of the library whose append differs makes a function of its own.
  const name = `"${schema}"."apss_append_${fnv1a(qualified).toString(36)}_${fnv1a(body).toString(36)}"`;

  return {
    /**
     * The function. Its statements are planned once per connection, where a statement sent as text
     * is planned on every call, which cost an append more than its execution. Its plans never scan
     * the table whole: `enable_seqscan` is off inside it, so a plan made while the table was small
     * does not make every append cost more as the table grows.
     */
    function: {
      /** Its name and argument types, as `to_regprocedure` takes them. */
      signature: `${name}(text, integer, jsonb)`,
      /** Its body, as pg_proc.prosrc holds it: a function of that name is used only if it is this one. */
      body,
      create: `CREATE FUNCTION ${name}(text, integer, jsonb) RETURNS integer LANGUAGE plpgsql
        SET enable_seqscan = off SET plan_cache_mode = force_generic_plan
        AS $apss$${body}$apss$`,
      call: {
        name: statement('append'),
        text: `SELECT ${name}($1::text, $2::integer, $3::jsonb) AS version`,
      },
    },
    /**
     * The statement, planned on each call. The lock is taken by `base`, which every row of the insert
     * is joined with, and let go in the outer SELECT, which reads `max` over every row the insert
     * returned. It sees the table as it was when it began, before it got the lock.
     */
    statement: {
      text: `WITH base AS MATERIALIZED (
          SELECT coalesce($2::integer, ${last}, 0) AS version
          FROM (SELECT pg_advisory_lock(${lock})) AS locked
        ),
        inserted AS (
          ${insert('base.version', 'base, ', fits('base.version'))}
          RETURNING stream_position
        ),
        appended AS MATERIALIZED (SELECT max(stream_position) AS version FROM inserted)
        SELECT appended.version, pg_advisory_unlock(${lock}) AS unlocked FROM appended`,
    },
    /** After a failed append: its lock let go (pg warns, harmlessly, when it had not got that far). */
    unlock: `SELECT pg_advisory_unlock(${lock})`,
  };
}
