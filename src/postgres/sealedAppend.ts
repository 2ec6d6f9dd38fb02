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
  const insertRecords = (streamId: string, records: readonly SealedRecord[], condition: string): string =>
    `INSERT INTO ${qualified}
        (global_position, stream_id, stream_position, type, data, metadata, prev, hash) OVERRIDING SYSTEM VALUE
      SELECT (r->>'globalPosition')::bigint, ${escapeLiteral(streamId)}, (r->>'streamPosition')::integer,
        r->>'type', r->'data', r->'metadata', r->>'prev', r->>'hash'
      FROM jsonb_array_elements(${escapeLiteral(JSON.stringify(records))}::jsonb) AS r
      WHERE ${condition}`;
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
     * Opens the append's transaction, waits for the seal lock, and answers the stream's version and
     * the last row (the head: its position and hash; none for an empty log). Under the lock every
     * earlier sealed append has committed, so the last row is the head, and the append's global
     * positions are the ones after it.
     */
    begin: (streamId: string): string => `BEGIN;
      SELECT pg_advisory_xact_lock(${sealLock});
      SELECT (SELECT coalesce(max(stream_position), 0) FROM ${qualified}
          WHERE stream_id = ${escapeLiteral(streamId)}) AS version,
        head.global_position::text AS head_position, head.hash AS head_hash
      FROM (SELECT 1) AS one
        LEFT JOIN (SELECT global_position, hash FROM ${qualified} ORDER BY global_position DESC LIMIT 1) AS head
        ON true`,
    /** Inserts the sealed records at their positions and commits, which lets go of the lock. */
    insert: (streamId: string, records: readonly SealedRecord[]): string =>
      `${insertRecords(streamId, records, 'true')};
      COMMIT`,
    /**
     * The whole append in one round trip, for a writer that knows the head (it wrote it): the
     * records, linked after `head`, are inserted only if `head` is still the last row and the stream
     * is at `version`. Otherwise nothing is inserted, and the writer takes the two round trips.
     */
    appendAfter: (
      streamId: string,
      version: number,
      head: LogHead,
      records: readonly SealedRecord[],
    ): string =>
      `BEGIN;
      SELECT pg_advisory_xact_lock(${sealLock});
      ${insertRecords(
        streamId,
        records,
        `(SELECT hash FROM ${qualified} WHERE global_position = ${head.position}) = ${escapeLiteral(head.hash)}
        AND NOT EXISTS (SELECT 1 FROM ${qualified} WHERE global_position > ${head.position})
        AND (SELECT coalesce(max(stream_position), 0) FROM ${qualified}
          WHERE stream_id = ${escapeLiteral(streamId)}) = ${version.toFixed(0)}`,
      )};
      COMMIT`,
    readSealed: {
      name: `apss_${fnv1a(qualified).toString(36)}_read_sealed`,
      text: `SELECT global_position, stream_id, stream_position, type, data, metadata, prev, hash
        FROM ${qualified} WHERE global_position > $1::bigint ORDER BY global_position LIMIT $2`,
    },
  };
}

export type SealSql = ReturnType<typeof sealSql>;

/** The last link of a table's log: its global position (a decimal string) and hash. */
export type LogHead = { readonly position: string; readonly hash: string };

type Opened = { version: number; head_position: string | null; head_hash: unknown };

/** The request's events linked after `head` (none: the log is empty), the stream being at `version`. */
function linked(request: AppendRequest, version: number, head: LogHead | undefined): SealedRecord[] {
  const chain = new ChainWriter({ length: 0, hash: head?.hash ?? GENESIS });
  const last = BigInt(head?.position ?? 0);
  return request.events.map((event, i) =>
    chain.next({
      ...asStored(event),
      streamId: request.streamId,
      streamPosition: version + i + 1,
      globalPosition: (last + BigInt(i + 1)).toString(),
    }),
  );
}

const headOf = (records: readonly SealedRecord[]): LogHead | undefined => {
  const last = records.at(-1);
  return last === undefined ? undefined : { position: last.globalPosition, hash: last.hash };
};

/**
 * Appends a checked request's events as links of the table's chain, in one transaction that holds
 * the seal lock until its COMMIT. A writer that knows the head (`known`, the last one it wrote) and
 * the stream's version tries one round trip first; otherwise, or when someone else appended since,
 * two: read the head, then insert and commit. Throws the ConcurrencyError when the stream is not at
 * the expected version (the transaction is rolled back). Returns the new version and head.
 */
export async function appendSealed(
  pool: pg.Pool,
  seal: SealSql,
  request: AppendRequest,
  known: LogHead | undefined,
): Promise<{ readonly nextVersion: number; readonly head: LogHead | undefined }> {
  const { streamId, expectedVersion, events } = request;
  const expected =
    expectedVersion === 'any' ? undefined : expectedVersion === 'no_stream' ? 0 : expectedVersion;
  return withClient(pool, async (client) => {
    if (known !== undefined && expected !== undefined) {
      const records = linked(request, expected, known);
      // A script of several statements answers with one result per statement.
      const results = (await client.query(
        seal.appendAfter(streamId, expected, known, records),
      )) as unknown as pg.QueryResult[];
      if (results[2]?.rowCount === events.length)
        return { nextVersion: expected + events.length, head: headOf(records) };
    }
    const results = (await client.query(seal.begin(streamId))) as unknown as pg.QueryResult<Opened>[];
    const opened = results[2]?.rows[0];
    if (opened === undefined) throw new Error('the sealed append read no head');
    const { version } = opened;
    if (expected !== undefined && version !== expected)
      throw new ConcurrencyError(streamId, expectedVersion, version);
    const hash = opened.head_hash === null ? E.right(undefined) : LinkHash.decode(opened.head_hash);
    if (E.isLeft(hash))
      throw new Error(
        `cannot seal after the last row of the table: its hash ${problemsOf(hash.left)
          .map((p) => p.reason)
          .join('; ')}`,
      );
    const head =
      opened.head_position === null || hash.right === undefined
        ? undefined
        : { position: opened.head_position, hash: hash.right };
    const records = linked(request, version, head);
    await client.query(seal.insert(streamId, records));
    return { nextVersion: version + events.length, head: headOf(records) };
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
