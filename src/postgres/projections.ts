import * as E from 'fp-ts/lib/Either.js';
import type pg from 'pg';
import { deepFreeze, freezeMap } from '../lib/freeze.js';
import { integerFrom, isRecord, refined, struct, type FieldProblem } from '../lib/codec.js';
import { invoiceOrder, invoiceProgress, type InvoiceProgress } from '../projections/invoice.js';
import { overviewProgress, savedPartners, type OverviewProgress } from '../projections/overview.js';
import type { ProjectionProgress } from '../projections/progress.js';
import { reconciliationProgress, type ReconciliationProgress } from '../projections/reconciliation.js';
import type { InvoiceLine, PartnerOverview, ReconciliationLine } from '../projections/viewCodecs.js';
import { EventStoreRequestError } from '../store/errors.js';
import type { EventStore, StoredEvent } from '../store/eventStore.js';
import { digestOf } from '../store/snapshots.js';
import { optionProblems } from '../store/optionCodecs.js';
import { withClient } from './clients.js';
import { DEFAULT_SCHEMA, PoolLike, SqlName } from './options.js';
import { pages } from './pages.js';
import {
  decodeInvoiceLine,
  decodeLine,
  decodeOverview,
  invoiceLineOfRow,
  lineOfRow,
  rowOfInvoiceLine,
  rowOfLine,
  StoredViewError,
  type InvoiceRow,
  type LineRow,
  type OverviewRow,
} from './viewRows.js';
import { viewSql, type ViewSql } from './viewSql.js';

export { StoredViewError } from './viewRows.js';

export const DEFAULT_VIEW_PREFIX = 'apss_views';
export const DEFAULT_BATCH_SIZE = 1_000;
const MAX_BATCH_SIZE = 100_000;
/** Rows per query when the views are read back. */
const READ_PAGE = 5_000;

/** Where the events come from, where the views go, and how many events one transaction takes. */
export type PostgresProjectionRunnerOptions = {
  /**
   * The store to follow: a PostgresEventStore, whose readAll never skips a late commit once an append
   * of this version has given its table the transaction ids (docs/store.md).
   */
  readonly store: Pick<EventStore, 'readAll'>;
  /** The pool of the database that keeps the views (the store's or another); the caller's, never closed here. */
  readonly pool: pg.Pool;
  /** The schema of the views' tables, created when missing ('apss'). */
  readonly schema?: string | undefined;
  /** The tables are `<prefix>_checkpoint`, `_reconciliation`, `_invoice` and `_overview` ('apss_views'). */
  readonly prefix?: string | undefined;
  /** Events per transaction (1000). */
  readonly batchSize?: number | undefined;
};

/** The views as the tables hold them, at the checkpoint: the global position of the last event in them. */
export type StoredViews = {
  readonly checkpoint: bigint;
  readonly overview: ReadonlyMap<string, PartnerOverview>;
  readonly reconciliation: readonly ReconciliationLine[];
  readonly invoice: readonly InvoiceLine[];
};

const StoreLike = refined(
  'EventStore',
  (u): u is Pick<EventStore, 'readAll'> => isRecord(u) && typeof u.readAll === 'function',
  'an event store with readAll (a PostgresEventStore)',
);
/** Short enough that `<prefix>_reconciliation` stays a SQL name of at most 63 characters. */
const Prefix = refined(
  'ViewPrefix',
  (u): u is string => SqlName.is(u) && u.length <= 40,
  'a lower-case SQL name of at most 40 characters: a letter or _, then letters, digits or _',
);

const RunnerOptions = struct(
  'PostgresProjectionRunnerOptions',
  { store: StoreLike, pool: PoolLike },
  { schema: SqlName, prefix: Prefix, batchSize: integerFrom('BatchSize', 1, MAX_BATCH_SIZE) },
);

type Settings = {
  readonly store: Pick<EventStore, 'readAll'>;
  readonly pool: pg.Pool;
  readonly sql: ViewSql;
  readonly batchSize: number;
};

function decodeOptions(options: unknown): E.Either<readonly FieldProblem[], Settings> {
  const decoded = RunnerOptions.decode(options);
  if (E.isLeft(decoded)) return E.left(optionProblems(decoded.left));
  const { store, pool, schema = DEFAULT_SCHEMA, prefix = DEFAULT_VIEW_PREFIX } = decoded.right;
  return E.right({
    store,
    pool,
    sql: viewSql(schema, prefix),
    batchSize: decoded.right.batchSize ?? DEFAULT_BATCH_SIZE,
  });
}

/**
 * The progress of the three views at the checkpoint, and what of it the tables hold: the runner
 * writes only what a batch changed (new lines, changed sums, changed partners).
 */
type Live = {
  position: bigint;
  /** The digest of the event at the position (null at 0, and where a runner of an earlier version moved it). */
  lastEvent: string | null;
  /** The rebuilds the tables have seen when the views were loaded (see ViewSql.clear). */
  readonly generation: string;
  readonly overview: OverviewProgress;
  readonly reconciliation: ReconciliationProgress;
  readonly invoice: InvoiceProgress;
  lines: number;
  readonly totals: Map<string, string>;
  overviews: ReadonlyMap<string, PartnerOverview>;
};

/** The checkpoint moved under this runner: another runner, or a rebuild, wrote the views meanwhile. */
class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';
}

/**
 * The store does not hold, at the views' checkpoint, the event the views were built up to: the log
 * was reset, re-created or replaced since. Going on from the checkpoint would skip the first events
 * of the log as it is now, so the runner refuses to until `rebuild()` builds the views from it.
 */
export class LogReplacedError extends Error {
  override readonly name = 'LogReplacedError';
  constructor(
    readonly table: string,
    readonly checkpoint: bigint,
  ) {
    super(
      `${table}: the views were built up to an event at global position ${checkpoint} that the store no longer holds there ` +
        '(the log was reset, re-created or replaced since): call rebuild() to build them from the log as it is',
    );
  }
}

const invoiceKey = ({ partnerId, month, currency }: InvoiceLine): string =>
  JSON.stringify([partnerId, month, currency]);

/** Loads saved progress that the runner itself built from its tables; a Left means a table holds rows it did not write. */
function loaded<P>(progress: ProjectionProgress<P, unknown>, table: string, saved: unknown): P {
  const result = progress.load(saved);
  if (E.isLeft(result)) throw new StoredViewError(table, 'the rows together', result.left.message);
  return result.right;
}

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Keeps the overview, reconciliation and invoice views of an event store in PostgreSQL tables. It
 * follows the store with `readAll({ after })` from its checkpoint, the global position of the last
 * event the views hold, and writes each batch of events and the checkpoint in one transaction: a
 * runner that stops (or crashes) anywhere, and a new one started on the same tables, neither lose nor
 * repeat an event. The views equal `project` of the events up to the checkpoint.
 *
 * The progress of the views is kept in memory between batches, and read back from the tables when a
 * runner starts (or after a batch failed). Two runners on the same tables are safe, not useful: the
 * checkpoint moves from where a batch found it or the batch is rolled back and the runner reads again.
 *
 * The constructor never throws: options it cannot use make every call reject with an
 * EventStoreRequestError naming the field.
 */
export class PostgresProjectionRunner {
  readonly #settings: E.Either<EventStoreRequestError, Settings>;
  #tables: Promise<void> | undefined;
  #live: Live | undefined;
  /** Catch-ups and rebuilds run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PostgresProjectionRunnerOptions) {
    this.#settings = E.mapLeft(
      (problems: readonly FieldProblem[]) =>
        new EventStoreRequestError('PostgresProjectionRunner options', problems),
    )(decodeOptions(options));
  }

  /**
   * Applies every event after the checkpoint, batch by batch, and answers the checkpoint reached and
   * how many events it applied. With a `signal`, it stops after the batch in progress once aborted.
   */
  catchUp(options?: { readonly signal?: AbortSignal }): Promise<{ checkpoint: bigint; events: number }> {
    return this.#serially(async () => {
      const settings = await this.#ready();
      let events = 0;
      for (;;)
        try {
          events += await this.#follow(settings, options?.signal);
          return { checkpoint: (this.#live as Live).position, events };
        } catch (error) {
          this.#live = undefined;
          if (!(error instanceof CheckpointMoved)) throw error;
        }
    });
  }

  /**
   * Catches up, then again every `pollMs` (1000), until `signal` is aborted; resolves then. A failure
   * (the database is down, say) rejects, and nothing of the batch it hit is in the tables: calling
   * `run` again goes on from the checkpoint.
   */
  async run({
    signal,
    pollMs = 1_000,
  }: {
    readonly signal: AbortSignal;
    readonly pollMs?: number;
  }): Promise<void> {
    while (!signal.aborted) {
      await this.catchUp({ signal });
      await sleep(pollMs, signal);
    }
  }

  /** Empties the views and sets the checkpoint to 0 in one transaction, then catches up from the first event. */
  rebuild(): Promise<{ checkpoint: bigint; events: number }> {
    return this.#serially(async () => {
      const { pool, sql } = await this.#ready();
      await withClient(pool, async (client) => {
        await client.query('BEGIN');
        for (const statement of sql.clear) await client.query(statement);
        await client.query('COMMIT');
      });
      this.#live = undefined;
    }).then(() => this.catchUp());
  }

  /** The checkpoint: the global position of the last event the views hold (0 before any). */
  async checkpoint(): Promise<bigint> {
    const { pool, sql } = await this.#ready();
    return (await readCheckpoint(pool, sql)).position;
  }

  /** The three views and their checkpoint, read in one snapshot of the database, each row decoded on its way out. */
  async views(): Promise<StoredViews> {
    const { pool, sql } = await this.#ready();
    return withClient(pool, async (client) => {
      await beginReading(client);
      const { position: checkpoint } = await readCheckpoint(client, sql);
      const overview = new Map<string, PartnerOverview>();
      for await (const page of overviewPages(client, sql))
        for (const row of page)
          overview.set(row.partner_id, deepFreeze(decodeOverview(sql.tables.overview, row)));
      const reconciliation: ReconciliationLine[] = [];
      for await (const page of linePages(client, sql))
        for (const row of page) reconciliation.push(decodeLine(sql.tables.reconciliation, row));
      const invoice = (await client.query<InvoiceRow>(sql.readInvoice)).rows
        .map((row) => decodeInvoiceLine(sql.tables.invoice, row))
        .sort(invoiceOrder);
      await client.query('COMMIT');
      return Object.freeze({
        checkpoint,
        overview: freezeMap(overview),
        reconciliation: deepFreeze(reconciliation),
        invoice: deepFreeze(invoice),
      });
    });
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The settings, once the tables exist (a failed attempt, say the database was down, is tried again next time). */
  async #ready(): Promise<Settings> {
    if (E.isLeft(this.#settings)) throw this.#settings.left;
    const settings = this.#settings.right;
    this.#tables ??= createTables(settings).catch((error: unknown) => {
      this.#tables = undefined;
      throw error;
    });
    await this.#tables;
    return settings;
  }

  /**
   * Reads the events after the checkpoint and writes them batch by batch; answers how many. The read
   * starts at the checkpoint's own event: that the store still holds it there shows the log is the
   * one the views were built from.
   */
  async #follow(settings: Settings, signal: AbortSignal | undefined): Promise<number> {
    this.#live ??= await loadLive(settings);
    const live = this.#live;
    let batch: StoredEvent[] = [];
    let events = 0;
    let confirmed = live.position === 0n;
    for await (const stored of settings.store.readAll({
      after: confirmed ? live.position : live.position - 1n,
    })) {
      if (!confirmed) {
        if (!holdsCheckpoint(live, stored)) return refuseLog(settings, live);
        confirmed = true;
        continue;
      }
      if (signal?.aborted === true) return events;
      batch.push(stored);
      if (batch.length < settings.batchSize) continue;
      await writeBatch(settings, live, batch);
      events += batch.length;
      batch = [];
    }
    if (!confirmed) return refuseLog(settings, live);
    if (batch.length > 0 && signal?.aborted !== true) {
      await writeBatch(settings, live, batch);
      events += batch.length;
    }
    return events;
  }
}

/** Whether the stored event is the one the views were built up to, at their checkpoint. */
const holdsCheckpoint = (live: Live, stored: StoredEvent): boolean =>
  stored.globalPosition === live.position &&
  (live.lastEvent === null || live.lastEvent === digestOf(stored.event));

/**
 * Where the store does not hold the checkpoint's event: the views were rebuilt, or moved on, by
 * another runner meanwhile (this one loads them again), or the log is not the one they were built
 * from (see LogReplacedError).
 */
async function refuseLog({ pool, sql }: Settings, live: Live): Promise<never> {
  const now = await readCheckpoint(pool, sql);
  if (now.position !== live.position || now.generation !== live.generation) throw new CheckpointMoved();
  throw new LogReplacedError(sql.tables.checkpoint, live.position);
}

async function createTables({ pool, sql }: Settings): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    for (const statement of sql.create) await client.query(statement);
    await client.query('COMMIT');
  });
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

async function readCheckpoint(
  db: Queryable,
  sql: ViewSql,
): Promise<{ readonly position: bigint; readonly lastEvent: string | null; readonly generation: string }> {
  const { rows } = await db.query<{ position: string; last_event: string | null; generation: string }>(
    sql.checkpoint,
  );
  const row = rows[0];
  const position = row?.position;
  if (position === undefined || !/^\d+$/.test(position))
    throw new StoredViewError(
      sql.tables.checkpoint,
      'its one row',
      `holds no position (got ${String(position)})`,
    );
  const { last_event: tagged, generation } = row as { last_event: string | null; generation: string };
  // `position:digest`, or a bare digest as the version before wrote it, with no position to tie it to.
  const tag = tagged === null ? undefined : /^(?:(\d+):)?([0-9a-f]{64})$/.exec(tagged);
  if (tag === null)
    throw new StoredViewError(
      sql.tables.checkpoint,
      'its one row',
      `holds a last_event that is not a position and a SHA-256 digest in hex (got ${String(tagged).slice(0, 80)})`,
    );
  // A digest written at another position than the checkpoint's (or at none said) is not known to be
  // of its event: a runner of an earlier version moved the checkpoint without it.
  const lastEvent = tag !== undefined && tag[1] === position ? (tag[2] as string) : null;
  return { position: BigInt(position), lastEvent, generation };
}

/**
 * Begins a read of the views in one snapshot. Quantities and unit prices are doubles, written out as
 * text by the server: with `extra_float_digits` above 0 (its default, 1) the shortest text that reads
 * back as the same double; at 0 or below, a database or role may set, rounded to 15 digits. So the
 * read sets it for its own transaction.
 */
async function beginReading(client: Queryable): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query('SET LOCAL extra_float_digits = 1');
}

const linePages = (db: Queryable, sql: ViewSql): AsyncGenerator<readonly LineRow[]> =>
  pages(
    async (after: string) => (await db.query<LineRow>(sql.readLines, [after, READ_PAGE])).rows,
    (row) => row.line,
    '-1',
    READ_PAGE,
  );

const overviewPages = (db: Queryable, sql: ViewSql): AsyncGenerator<readonly OverviewRow[]> =>
  pages(
    async (after: number) => (await db.query<OverviewRow>(sql.readOverview, [after, READ_PAGE])).rows,
    (row) => row.place,
    -1,
    READ_PAGE,
  );

/**
 * The views' progress as the tables hold it, read in one snapshot: each table's rows are put in the
 * saved form of their projection's progress, and loaded (decoded) through it. The reconciliation's
 * usage ids are the ones the invoice counted too, and the overview's tenants the reconciliation's.
 */
async function loadLive({ pool, sql }: Settings): Promise<Live> {
  return withClient(pool, async (client) => {
    await beginReading(client);
    const { position, lastEvent, generation } = await readCheckpoint(client, sql);
    const partners: unknown[] = [];
    const sharedTenants: { partnerId: string; tenantId: string }[] = [];
    for await (const page of overviewPages(client, sql))
      for (const row of page) {
        partners.push(row.progress);
        if (row.shared_tenant_id !== null)
          sharedTenants.push({ partnerId: row.partner_id, tenantId: row.shared_tenant_id });
      }
    const lines: unknown[] = [];
    const usage = new Map<string, string[]>();
    for await (const page of linePages(client, sql))
      for (const row of page) {
        lines.push(lineOfRow(row));
        const ids = usage.get(row.partner_id);
        if (ids === undefined) usage.set(row.partner_id, [row.usage_id]);
        else ids.push(row.usage_id);
      }
    const invoiceRows = (await client.query<InvoiceRow>(sql.readInvoice)).rows;
    await client.query('COMMIT');
    const version = 1;
    const overview = loaded(overviewProgress, sql.tables.overview, {
      projection: 'overview',
      version,
      lines: partners,
    });
    const reconciliation = loaded(reconciliationProgress, sql.tables.reconciliation, {
      projection: 'reconciliation',
      version,
      lines,
      sharedTenants,
    });
    const invoice = loaded(invoiceProgress, sql.tables.invoice, {
      projection: 'invoice',
      version,
      lines: invoiceRows.map(invoiceLineOfRow),
      usage: [...usage].map(([partnerId, usageIds]) => ({ partnerId, usageIds })),
    });
    return {
      position,
      lastEvent,
      generation,
      overview,
      reconciliation,
      invoice,
      lines: lines.length,
      totals: new Map(invoiceProgress.view(invoice).map((line) => [invoiceKey(line), line.total])),
      overviews: overviewProgress.view(overview),
    };
  });
}

/**
 * Steps the views through a batch and writes what changed, with the checkpoint, in one transaction.
 * A batch that fails leaves the tables as they were, and the caller drops `live`, which went ahead.
 */
async function writeBatch({ pool, sql }: Settings, live: Live, batch: readonly StoredEvent[]): Promise<void> {
  for (const { event } of batch) {
    overviewProgress.step(live.overview, event);
    reconciliationProgress.step(live.reconciliation, event);
    invoiceProgress.step(live.invoice, event);
  }
  const last = batch[batch.length - 1] as StoredEvent;
  const { globalPosition: position } = last;
  const lastEvent = digestOf(last.event);

  const lines = reconciliationProgress.view(live.reconciliation);
  const newLines = lines.slice(live.lines).map((line, i) => rowOfLine(line, live.lines + i));

  const changedSums = invoiceProgress
    .view(live.invoice)
    .filter((line) => live.totals.get(invoiceKey(line)) !== line.total);

  const overviews = overviewProgress.view(live.overview);
  const changedPartners: { place: number; overview: PartnerOverview }[] = [];
  let place = 0;
  for (const [partnerId, overview] of overviews) {
    if (live.overviews.get(partnerId) !== overview) changedPartners.push({ place, overview });
    place += 1;
  }
  const saved = savedPartners(
    live.overview,
    changedPartners.map(({ overview }) => overview.partnerId),
  );
  const partnerRows = changedPartners.map(({ place, overview }, i) => ({
    partner_id: overview.partnerId,
    place,
    shared_tenant_id: overview.sharedTenantId,
    subscriptions: overview.subscriptions,
    progress: saved[i],
  }));

  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    const moved = await client.query(sql.advance, [
      live.position.toString(),
      position.toString(),
      `${position}:${lastEvent}`,
      live.generation,
    ]);
    if (moved.rowCount !== 1) throw new CheckpointMoved();
    if (newLines.length > 0) await client.query(sql.insertLines, [JSON.stringify(newLines)]);
    if (changedSums.length > 0)
      await client.query(sql.upsertInvoice, [JSON.stringify(changedSums.map(rowOfInvoiceLine))]);
    if (partnerRows.length > 0) await client.query(sql.upsertOverview, [JSON.stringify(partnerRows)]);
    await client.query('COMMIT');
  });
  live.position = position;
  live.lastEvent = lastEvent;
  live.lines = lines.length;
  for (const line of changedSums) live.totals.set(invoiceKey(line), line.total);
  live.overviews = overviews;
}
