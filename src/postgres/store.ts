import * as E from 'fp-ts/lib/Either.js';
import type pg from 'pg';
import type { DomainEvent } from '../events/codecs.js';
import { ConcurrencyError, EventStoreRequestError } from '../store/errors.js';
import {
  type AppendOptions,
  type EventStore,
  type ExpectedVersion,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from '../store/eventStore.js';
import {
  acceptDecided,
  checked,
  decodeAppend,
  decodeReadAll,
  decodeReadStream,
  expectVersion,
  type AppendRequest,
} from '../store/requests.js';
import {
  checkSnapshotRead,
  checkSnapshotWrite,
  takeSnapshot,
  type WriteSnapshotArguments,
  type SnapshotStore,
  type StoredSnapshot,
} from '../store/snapshots.js';
import { guardPool, ownPool, withClient } from './clients.js';
import { decodeStoreOptions, type PostgresEventStoreOptions } from './options.js';
import { pages } from './pages.js';
import { recordOf, storedEventOf, type EventRow } from './rows.js';
import { describeTable, ensureTable, isMissingTable, type WritableTable } from './schema.js';
import {
  appendSealed,
  sealedRecordOf,
  sealSql,
  type LogHead,
  type SealedRow,
  type SealSql,
} from './sealedAppend.js';
import { PostgresSnapshots, snapshotSql } from './snapshots.js';
import { tableSql, type TableSql } from './sql.js';
import type { SealedRecord } from '../seal/link.js';
import type { PlacedRecord } from '../seal/log.js';
import type { SealedLog } from '../store/sealedLog.js';

type Ready = {
  readonly pool: pg.Pool;
  readonly sql: TableSql;
  /** The chain's SQL when the store seals its appends. */
  readonly seal: SealSql | undefined;
  readonly pageSize: number;
  readonly snapshots: PostgresSnapshots;
  /** Every how many events of a stream a snapshot is taken after an append (never when undefined). */
  readonly snapshotEvery: number | undefined;
  /** Takes the store's listener off a pool of the caller's. */
  readonly unguard: () => void;
};

const isUniqueViolation = (error: unknown, constraint: string): boolean =>
  error instanceof Error &&
  (error as { code?: unknown }).code === '23505' &&
  (error as { constraint?: unknown }).constraint === constraint;

/** A call of the append function that failed before it ran: no such function (42883), or not this user's to call (42501). */
const isUnusableFunction = (error: unknown): boolean =>
  error instanceof Error && ['42883', '42501'].includes(String((error as { code?: unknown }).code));

/** The version an insert starts after: null lets the database take the stream's current one ('any'). */
const insertBase = (expected: ExpectedVersion): number | null =>
  expected === 'any' ? null : expected === 'no_stream' ? 0 : expected;

/**
 * An EventStore in PostgreSQL, on the `pg` driver. One table holds every stream: an append is one
 * transaction (all of a decision's events or none), the expected version is enforced by the
 * database (unique stream position), and reads go page by page so memory stays flat.
 *
 * The constructor never throws: options it cannot use make every call reject with an
 * EventStoreRequestError naming the field. Calls reject with pg's own errors when the database
 * cannot be reached or a connection dies; the host process never sees them as an 'error' event,
 * as long as a pool passed in has a listener for its own 'error' event (see the `pool` option).
 */
export class PostgresEventStore implements EventStore, SealedLog, SnapshotStore {
  /** The events table, schema-qualified and quoted, as SQL names it. */
  readonly table: string;
  readonly #setup: E.Either<Error, Ready>;
  readonly #ownsPool: boolean;
  /** How to append to the table, once it is known to exist. */
  #table: WritableTable | undefined;
  /** Whether the table is known to exist with its transaction id column (then readAll follows global order). */
  #tableSeen = false;
  #creating: Promise<WritableTable> | undefined;
  /** The last link this store appended, which is the head until another writer appends. */
  #sealedHead: LogHead | undefined;
  #closing: Promise<void> | undefined;

  constructor(options?: PostgresEventStoreOptions) {
    const settings = decodeStoreOptions(options);
    this.#ownsPool = E.isRight(settings) && 'config' in settings.right.connection;
    this.table = E.isRight(settings) ? tableSql(settings.right.schema, settings.right.table).qualified : '';
    this.#setup = E.isLeft(settings)
      ? E.left(new EventStoreRequestError('PostgresEventStore options', settings.left))
      : E.tryCatch(
          () => {
            const { schema, table, pageSize, connection, snapshots } = settings.right;
            const sql = tableSql(schema, table);
            const seal = settings.right.seal ? sealSql(sql) : undefined;
            const pool = 'pool' in connection ? connection.pool : ownPool(connection.config);
            const unguard = 'pool' in connection ? guardPool(connection.pool) : () => undefined;
            const kept = new PostgresSnapshots(pool, snapshotSql(schema, snapshots.table));
            return { pool, sql, seal, pageSize, unguard, snapshots: kept, snapshotEvery: snapshots.every };
          },
          (error) => (error instanceof Error ? error : new Error(String(error))),
        );
    acceptDecided(this, PostgresEventStore.prototype.appendToStream, (request) => this.#append(request));
  }

  /** Creates the schema and table if they are missing; the first append does so too. */
  async ensureSchema(): Promise<void> {
    await this.#writable();
  }

  #usable(): Ready {
    if (E.isLeft(this.#setup)) throw this.#setup.left;
    if (this.#closing !== undefined) throw new Error('this PostgresEventStore is closed');
    return this.#setup.right;
  }

  /** For writes: the table, created if missing (a failed attempt, say the database was down, is tried again next time). */
  async #writable(): Promise<Ready & WritableTable> {
    const setup = this.#usable();
    if (this.#table === undefined) {
      this.#creating ??= ensureTable(setup.pool, setup.sql, setup.seal).finally(() => {
        this.#creating = undefined;
      });
      this.#table = await this.#creating;
      this.#tableSeen = true;
    }
    return { ...setup, ...this.#table };
  }

  /**
   * For reads: the table if it exists, and whether it records transaction ids. Reading creates and
   * changes nothing (an audit may run as a user that may only read); an earlier version's table is
   * looked at again on each read until an append of this version has added the column.
   */
  async #readable(): Promise<(Ready & { readonly followable: boolean }) | undefined> {
    const setup = this.#usable();
    if (this.#tableSeen) return { ...setup, followable: true };
    const state = await describeTable(setup.pool, setup.sql);
    if (!state.exists) return undefined;
    this.#tableSeen = state.followable;
    return { ...setup, followable: state.followable };
  }

  async appendToStream(
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
  ): Promise<{ nextVersion: number }> {
    return this.#append(checked(decodeAppend(streamId, events, options)));
  }

  /**
   * An append; one that finds the table (or its schema) dropped since the store looked wrote nothing,
   * and is made again, once, on the table created anew.
   */
  async #append(request: AppendRequest): Promise<{ nextVersion: number }> {
    try {
      return await this.#appendOnce(request);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.#forgetTable();
      return this.#appendOnce(request);
    }
  }

  /** What the store knew of its table, forgotten: it is looked at again, as by a new store. */
  #forgetTable(): void {
    this.#table = undefined;
    this.#tableSeen = false;
    this.#sealedHead = undefined;
  }

  /**
   * A page read that takes a table found dropped since the store looked (before the first page) for
   * one with no rows, as a table never made is; the store forgets it either way.
   */
  #pageReader<P, R>(fetch: (position: P) => Promise<readonly R[]>): (position: P) => Promise<readonly R[]> {
    let first = true;
    return async (position) => {
      try {
        const rows = await fetch(position);
        first = false;
        return rows;
      } catch (error) {
        if (!isMissingTable(error)) throw error;
        this.#forgetTable();
        if (first) return [];
        throw error;
      }
    };
  }

  async #appendOnce(request: AppendRequest): Promise<{ nextVersion: number }> {
    const { pool, sql, seal, snapshotEvery, ...table } = await this.#writable();
    if (request.events.length === 0) {
      const actual = await this.#version(pool, sql, request.streamId);
      expectVersion(request, actual);
      return { nextVersion: actual };
    }
    let nextVersion: number | undefined;
    if (seal !== undefined) {
      const sealed = await appendSealed(pool, seal, request, this.#sealedHead);
      this.#sealedHead = sealed.head;
      nextVersion = sealed.nextVersion;
    } else {
      nextVersion = await this.#insert(pool, sql, table, request);
      // 'any' means after whatever the stream holds. An append sees the stream as it was before
      // another append that has let go of the lock committed: that one takes the positions it drew,
      // and it tries again, seeing that one now.
      while (nextVersion === undefined && request.expectedVersion === 'any')
        nextVersion = await this.#insert(pool, sql, table, request);
    }
    if (nextVersion !== undefined) {
      await this.#snapshotAfter(
        request.streamId,
        nextVersion - request.events.length,
        nextVersion,
        snapshotEvery,
      );
      return { nextVersion };
    }
    const actual = await this.#version(pool, sql, request.streamId);
    throw new ConcurrencyError(request.streamId, request.expectedVersion, actual);
  }

  /** The stream's version after the insert, or undefined when the stream was not at the expected version. */
  async #insert(
    pool: pg.Pool,
    sql: TableSql,
    { positionKey, appendable }: WritableTable,
    request: AppendRequest,
  ): Promise<number | undefined> {
    const values = [request.streamId, insertBase(request.expectedVersion), JSON.stringify(request.events)];
    const append = appendable ? sql.append.function.call : sql.append.statement;
    try {
      const result = await withClient(pool, (client, discard) =>
        client.query<{ version: number | null }>({ ...append, values }).catch(async (error: unknown) => {
          // A session that may still hold the append lock must not serve anyone else.
          await client.query(sql.append.unlock).catch(discard);
          throw error;
        }),
      );
      return result.rows[0]?.version ?? undefined;
    } catch (error) {
      if (isUniqueViolation(error, positionKey)) return undefined;
      if (appendable && isUnusableFunction(error)) {
        // Dropped, or no longer this user's to call, since the store looked: this append sends the
        // statement (the call did nothing), and the next looks at the table again.
        this.#table = undefined;
        return this.#insert(pool, sql, { positionKey, appendable: false }, request);
      }
      throw error;
    }
  }

  /**
   * After an append that took the stream past a multiple of `snapshotEvery`: a snapshot at its new
   * version (from the last snapshot and the events after it). The append has committed whatever
   * happens here: a snapshot that cannot be taken fails nothing, and the next multiple tries again.
   */
  async #snapshotAfter(
    streamId: string,
    before: number,
    after: number,
    every: number | undefined,
  ): Promise<void> {
    if (every === undefined || Math.floor(before / every) === Math.floor(after / every)) return;
    await takeSnapshot(this, streamId).catch(() => undefined);
  }

  /** The latest snapshot kept of a stream, of the format this version reads (see SnapshotStore). */
  async readSnapshot(streamId: string): Promise<StoredSnapshot | undefined> {
    checkSnapshotRead(streamId);
    return this.#usable().snapshots.read(streamId);
  }

  /** Keeps a snapshot of a stream at a version, unless one at that version or later is kept; creates the snapshots table if missing. */
  async writeSnapshot(
    ...[streamId, streamVersion, snapshot, options]: WriteSnapshotArguments
  ): Promise<void> {
    const { json, replace } = checkSnapshotWrite(streamId, streamVersion, snapshot, options);
    await this.#usable().snapshots.write(streamId, streamVersion, json, replace);
  }

  /** Takes a snapshot of a stream now (see takeSnapshot); resolves to the version it was taken at (0: an empty stream, none). */
  async takeSnapshot(streamId: string): Promise<number> {
    checkSnapshotRead(streamId);
    return takeSnapshot(this, streamId);
  }

  async #version(pool: pg.Pool, sql: TableSql, streamId: string): Promise<number> {
    const result = await pool.query<{ version: number }>({ ...sql.version, values: [streamId] });
    return result.rows[0]?.version ?? 0;
  }

  async *readStream(streamId: string, options?: ReadStreamOptions): AsyncGenerator<StoredEvent> {
    const { streamId: id, after } = checked(decodeReadStream(streamId, options));
    const ready = await this.#readable();
    if (ready === undefined) return;
    const { pool, sql, pageSize } = ready;
    const fetch = this.#pageReader(
      async (position: number): Promise<readonly EventRow[]> =>
        (await pool.query<EventRow>({ ...sql.readStream, values: [id, position, pageSize] })).rows,
    );
    for await (const page of pages(fetch, (row) => row.stream_position, after, pageSize))
      for (const row of page) yield storedEventOf(row, id);
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<StoredEvent> {
    for await (const page of this.#pagesOfAll(options))
      for (const row of page) yield storedEventOf(row, row.stream_id ?? '');
  }

  /**
   * The stored log as the raw records `{ type, data, metadata }` that were written, in global order,
   * without decoding: for an audit, which reports a record that no longer decodes as a finding
   * where readAll would stop with a StoredEventError.
   */
  async *readRecords(options?: ReadAllOptions): AsyncGenerator<unknown> {
    for await (const page of this.#pagesOfAll(options)) for (const row of page) yield recordOf(row);
  }

  /**
   * Whether the events table exists. Reads create nothing, so a store never written to reads as an
   * empty log: a tool that reads someone's log (an audit, an export) asks this first, so that a
   * wrong database, schema or table is not taken for a log with nothing in it.
   */
  async exists(): Promise<boolean> {
    const setup = this.#usable();
    return (await describeTable(setup.pool, setup.sql)).exists;
  }

  /** Whether the table is sealed: it has the chain columns (false when there is no table yet). */
  async isSealed(): Promise<boolean> {
    const setup = this.#usable();
    const state = await describeTable(setup.pool, setup.sql);
    return state.exists && state.sealed;
  }

  /**
   * The log's records with their links, in global order, as stored (not decoded: an export writes
   * what was sealed). A table without the chain columns rejects with an EventStoreRequestError.
   * Sealed appends commit one after the other, so the rows appear in global order without gaps
   * to wait at.
   */
  async *readSealed(options?: ReadAllOptions): AsyncGenerator<SealedRecord> {
    const { after } = checked(decodeReadAll(options));
    const { pool, sql, pageSize } = this.#usable();
    if (!(await this.isSealed()))
      throw new EventStoreRequestError('readSealed', [
        { path: 'options.table', reason: `names ${sql.qualified}, which is not sealed (no chain columns)` },
      ]);
    const query = sealSql(sql).readSealed;
    const fetch = async (position: bigint): Promise<readonly SealedRow[]> =>
      (await pool.query<SealedRow>({ ...query, values: [position.toString(), pageSize] })).rows;
    for await (const page of pages(fetch, (row) => BigInt(row.global_position), after, pageSize))
      for (const row of page) yield sealedRecordOf(row);
  }

  /**
   * The log as raw records with their places (`streamId`, `streamPosition`, `globalPosition` as a
   * decimal string), in global order, without decoding and without links: what an export of a table
   * that is not sealed writes.
   */
  async *readPlaced(options?: ReadAllOptions): AsyncGenerator<PlacedRecord> {
    for await (const page of this.#pagesOfAll(options))
      for (const row of page)
        yield {
          type: row.type,
          data: row.data,
          metadata: row.metadata,
          streamId: row.stream_id ?? '',
          streamPosition: row.stream_position,
          globalPosition: row.global_position,
        };
  }

  async *#pagesOfAll(options: unknown): AsyncGenerator<readonly EventRow[]> {
    const { after } = checked(decodeReadAll(options));
    const ready = await this.#readable();
    if (ready === undefined) return;
    const { pool, sql, pageSize, followable } = ready;
    const query = followable ? sql.readAll : sql.readAllUnfollowable;
    const fetch = this.#pageReader(
      async (position: bigint): Promise<readonly EventRow[]> =>
        (await pool.query<EventRow>({ ...query, values: [position.toString(), pageSize] })).rows,
    );
    yield* pages(fetch, (row) => BigInt(row.global_position), after, pageSize);
  }

  /**
   * Ends the store's own pool (a pool passed in stays open: it is the caller's, and loses only the
   * store's listener). Later calls reject.
   */
  async close(): Promise<void> {
    if (this.#closing === undefined && E.isRight(this.#setup)) this.#setup.right.unguard();
    this.#closing ??=
      E.isRight(this.#setup) && this.#ownsPool ? this.#setup.right.pool.end() : Promise.resolve();
    await this.#closing;
  }
}
