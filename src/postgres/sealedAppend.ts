import * as E from 'fp-ts/lib/Either.js';
import type pg from 'pg';
import { escapeLiteral } from 'pg';
import { describeProblems, problemsOf } from '../lib/codec.js';
import { fnv1a } from '../lib/hash.js';
import { ChainWriter, GENESIS, LinkHash, SealFields, type SealedRecord } from '../seal/link.js';
import { asStored } from '../seal/log.js';
import { ConcurrencyError } from '../store/errors.js';
import type { AppendRequest } from '../store/requests.js';
import { withClient } from './clients.js';
import { LOCK_SPACE, type TableSql } from './sql.js';

// The sealed append: each event's link (docs/integrity.md) is computed inside the append's
// transaction, after the link of the event before it in the global log.

/** A sealed row as pg hands it over. */
export type SealedRow = {
  readonly global_position: string;
  readonly stream_id: string;
  readonly stream_position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly prev: string;
  readonly hash: string;
};

/** The SQL of the chain of one events table. */
export function sealSql(sql: TableSql) {
  const { qualified } = sql;
  // A lock of its own: held from reading the head to the COMMIT, it puts sealed appends in one line.
  const sealLock = `${LOCK_SPACE}, ${fnv1a(`${qualified} sealed`) | 0}`;
  return {
    /**
     * The chain columns, added under the DDL lock to a table that holds no event yet. NOT NULL
     * without a default: a writer that does not seal (an earlier version's) fails to insert, so the
     * chain never has a gap. On a table with rows the ALTER fails, and nothing changes.
     */
    addChain: [
      `SELECT pg_advisory_xact_lock(${LOCK_SPACE}, 0)`,
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS prev text NOT NULL, ADD COLUMN IF NOT EXISTS hash text NOT NULL`,
    ],
    /**
     * Opens the append's transaction, waits for the seal lock, and answers the stream's version, the
     * hash of the last link (null for an empty log) and, when the version is the one expected
     * (`expected` null: any), `count` global positions drawn from the table's identity sequence.
     * Under the lock every earlier sealed append has committed, so the last row is the head.
     */
    begin: (streamId: string, expected: number | null, count: number): string => `BEGIN;
      SELECT pg_advisory_xact_lock(${sealLock});
      WITH stream AS (
        SELECT coalesce(max(stream_position), 0) AS version FROM ${qualified} WHERE stream_id = ${escapeLiteral(streamId)}
      )
      SELECT stream.version,
        (SELECT hash FROM ${qualified} ORDER BY global_position DESC LIMIT 1) AS head,
        CASE WHEN ${expected === null ? 'true' : `stream.version = ${expected.toFixed(0)}`} THEN
          ARRAY(SELECT nextval(pg_get_serial_sequence(${escapeLiteral(qualified)}, 'global_position'))
            FROM generate_series(1, ${count.toFixed(0)}) ORDER BY 1)::text[]
        END AS positions
      FROM stream`,
    /** Inserts the sealed records at their drawn positions and commits, which lets go of the lock. */
    insert: (streamId: string, records: readonly SealedRecord[]): string => `INSERT INTO ${qualified}
        (global_position, stream_id, stream_position, type, data, metadata, prev, hash) OVERRIDING SYSTEM VALUE
      SELECT (r->>'globalPosition')::bigint, ${escapeLiteral(streamId)}, (r->>'streamPosition')::integer,
        r->>'type', r->'data', r->'metadata', r->>'prev', r->>'hash'
      FROM jsonb_array_elements(${escapeLiteral(JSON.stringify(records))}::jsonb) AS r;
      COMMIT`,
    readSealed: {
      name: `apss_${fnv1a(qualified).toString(36)}_read_sealed`,
      text: `SELECT global_position, stream_id, stream_position, type, data, metadata, prev, hash
        FROM ${qualified} WHERE global_position > $1::bigint ORDER BY global_position LIMIT $2`,
    },
  };
}

export type SealSql = ReturnType<typeof sealSql>;

type Opened = { version: number; head: unknown; positions: readonly string[] | null };

/**
 * Appends a checked request's events as links of the table's chain, in one transaction that holds
 * the seal lock until its COMMIT: two round trips (read the head and draw positions; insert and
 * commit). Throws the ConcurrencyError when the stream is not at the expected version; the
 * transaction is then rolled back, having drawn no position.
 */
export async function appendSealed(pool: pg.Pool, seal: SealSql, request: AppendRequest): Promise<number> {
  const { streamId, expectedVersion, events } = request;
  const expected = expectedVersion === 'any' ? null : expectedVersion === 'no_stream' ? 0 : expectedVersion;
  return withClient(pool, async (client) => {
    // A script of several statements answers with one result per statement.
    const results = (await client.query(
      seal.begin(streamId, expected, events.length),
    )) as unknown as pg.QueryResult<Opened>[];
    const opened = results[2]?.rows[0];
    if (opened === undefined) throw new Error('the sealed append read no head');
    const { version, positions } = opened;
    if (positions === null) throw new ConcurrencyError(streamId, expectedVersion, version);
    const head = opened.head === null ? E.right(GENESIS) : LinkHash.decode(opened.head);
    if (E.isLeft(head))
      throw new Error(
        `cannot seal after the last row of the table: its hash ${problemsOf(head.left)
          .map((p) => p.reason)
          .join('; ')}`,
      );
    // The chain's length is not needed to extend it: only the last hash is.
    const chain = new ChainWriter({ length: 0, hash: head.right });
    const records = events.map((event, i) =>
      chain.next({
        ...asStored(event),
        streamId,
        streamPosition: version + i + 1,
        globalPosition: positions[i] as string,
      }),
    );
    await client.query(seal.insert(streamId, records));
    return version + events.length;
  });
}

/** A row of a sealed table as a sealed record; its chain fields are decoded here, once. */
export function sealedRecordOf(row: SealedRow): SealedRecord {
  const fields = SealFields.decode({
    streamId: row.stream_id,
    streamPosition: row.stream_position,
    globalPosition: row.global_position,
    prev: row.prev,
    hash: row.hash,
  });
  if (E.isLeft(fields))
    throw new Error(
      `the row at global position ${row.global_position} has chain fields that do not decode: ${describeProblems(problemsOf(fields.left))}`,
    );
  return { type: row.type, data: row.data, metadata: row.metadata, ...fields.right };
}
