import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStoreRequestError, handleCommand, StoredEventError } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, createTenant, minute, usageEvents } from '../builders.js';
import { isolatedSchema } from './support.js';

/** What only the PostgreSQL store does: its schema, its connection options, rows it can no longer read. */
export function postgresStorage(): void {
  describe('PostgresEventStore storage', () => {
    const schema = isolatedSchema('storage');
    const stores: PostgresEventStore[] = [];
    const open = (options: ConstructorParameters<typeof PostgresEventStore>[0] = {}): PostgresEventStore => {
      const store = new PostgresEventStore({ schema: schema.name, max: 2, ...options });
      stores.push(store);
      return store;
    };
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    it('creates its schema and table on first use, once, even when ten stores start at the same moment', async () => {
      const many = Array.from({ length: 10 }, () => open({ table: 'created', max: 1 }));
      await Promise.all(many.map((store) => store.ensureSchema()));
      await many[0]?.ensureSchema();
      const columns = await schema.admin().query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = 'created' ORDER BY ordinal_position`,
        [schema.name],
      );
      expect(columns.rows.map((c) => [c.column_name, c.data_type])).toEqual([
        ['global_position', 'bigint'],
        ['stream_id', 'text'],
        ['stream_position', 'integer'],
        ['type', 'text'],
        ['data', 'jsonb'],
        ['metadata', 'jsonb'],
        ['recorded_at', 'timestamp with time zone'],
        ['transaction_id', 'xid8'],
      ]);
      const unique = await schema.admin().query<{ columns: string[] }>(
        `SELECT array(SELECT attname::text FROM unnest(conkey) AS k JOIN pg_attribute
             ON attrelid = conrelid AND attnum = k ORDER BY attname) AS columns
           FROM pg_constraint WHERE contype = 'u' AND conrelid = $1::regclass`,
        [`"${schema.name}"."created"`],
      );
      expect(unique.rows).toEqual([{ columns: ['stream_id', 'stream_position'] }]);
      expect(many[3]?.table).toBe(`"${schema.name}"."created"`);
    });

    it('given a table so small that scanning it whole is cheapest, an append still reads it by its index, so the plan it keeps stays cheap as the table grows', async () => {
      const store = open({ table: 'small' });
      await store.appendToStream('s', usageEvents('p1', 3), { expectedVersion: 'no_stream' });
      const admin = schema.admin();
      await admin.query(`ANALYZE ${store.table}`);
      const found = await admin.query<{ name: string }>(
        `SELECT proname AS name FROM pg_proc
           WHERE pronamespace = $1::regnamespace AND proname LIKE 'apss_append_%' AND strpos(prosrc, $2) > 0`,
        [`"${schema.name}"`, store.table],
      );
      expect(found.rows).toHaveLength(1);
      const client = await admin.connect();
      try {
        // The function is what the store calls; the transaction's own counters say how it read the table.
        await client.query('BEGIN');
        const appended = await client.query<{ version: number }>(
          `SELECT "${schema.name}"."${found.rows[0]?.name}"($1, $2, $3) AS version`,
          ['s', 3, JSON.stringify(usageEvents('p1', 1, 'next'))],
        );
        const scans = await client.query<{ seq_scan: string; idx_scan: string }>(
          'SELECT seq_scan::text, idx_scan::text FROM pg_stat_xact_user_tables WHERE relid = $1::regclass',
          [store.table],
        );
        await client.query('ROLLBACK');
        expect(appended.rows).toEqual([{ version: 4 }]);
        expect(scans.rows[0]?.seq_scan).toBe('0');
        expect(Number(scans.rows[0]?.idx_scan)).toBeGreaterThan(0);
      } finally {
        client.release();
      }
    });

    it('reading a store whose table does not exist yet yields nothing and creates nothing, and exists() says there is none; the first append creates it', async () => {
      const store = open({ table: 'lazy' });
      expect(await collect(store.readAll())).toEqual([]);
      expect(await collect(store.readStream('s'))).toEqual([]);
      expect(await collect(store.readRecords())).toEqual([]);
      const exists = async () =>
        (await schema.admin().query(`SELECT to_regclass($1) IS NOT NULL AS e`, [store.table])).rows[0]?.e;
      expect(await exists()).toBe(false);
      expect(await store.exists()).toBe(false);
      await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      expect(await exists()).toBe(true);
      expect(await store.exists()).toBe(true);
    });

    it('connects with a connection string, and with the PG* environment when given nothing', async () => {
      const { PGHOST = 'localhost', PGPORT = '5432', PGUSER = 'postgres', PGDATABASE = PGUSER } = process.env;
      const byString = open({
        connectionString: `postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${PGDATABASE}`,
        table: 'by_string',
      });
      await byString.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      const byEnvironment = open({ table: 'by_string' });
      expect(await collect(byEnvironment.readStream('s'))).toHaveLength(1);
    });

    it('leaves a pool passed in open when closed, and ends a pool of its own', async () => {
      const pool = schema.admin();
      const borrowing = new PostgresEventStore({ pool, schema: schema.name, table: 'pools' });
      await borrowing.ensureSchema();
      await borrowing.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      const owning = new PostgresEventStore({ schema: schema.name, table: 'pools' });
      await owning.ensureSchema();
      await owning.close();
      await owning.close();
      await expect(owning.appendToStream('s', [], { expectedVersion: 'any' })).rejects.toThrow('closed');
    });

    it("works through a pool-like object of the caller's that has query() and connect() but emits no events", async () => {
      const pool = schema.admin();
      const poolLike = { query: pool.query.bind(pool), connect: pool.connect.bind(pool) };
      const store = new PostgresEventStore({
        pool: poolLike as never,
        schema: schema.name,
        table: 'pool_like',
      });
      expect(await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' })).toEqual(
        {
          nextVersion: 1,
        },
      );
      await store.close();
    });

    it.each([
      [{ schema: 'Robert"); DROP TABLE x; --' }, 'options.schema'],
      [{ table: '' }, 'options.table'],
      [{ pageSize: 0 }, 'options.pageSize'],
      [{ pool: {} }, 'options.pool'],
    ])(
      'given options %j, the constructor does not throw and every call rejects naming %s',
      async (options, field) => {
        const store = new PostgresEventStore(options as never);
        const refusal = await store
          .appendToStream('s', [], { expectedVersion: 'any' })
          .catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(EventStoreRequestError);
        expect((refusal as EventStoreRequestError).details).toEqual([field]);
        await expect(collect(store.readAll())).rejects.toBeInstanceOf(EventStoreRequestError);
        await store.close();
      },
    );

    it('given a stored row that no longer decodes, reads stop with a StoredEventError naming it; readRecords hands it over raw', async () => {
      const store = open({ table: 'corrupt', pageSize: 2 });
      await store.appendToStream('partner-p1', usageEvents('p1', 3), { expectedVersion: 'no_stream' });
      const row = await schema.admin().query<{ global_position: string }>(
        `INSERT INTO ${store.table} (stream_id, stream_position, type, data, metadata)
           VALUES ('partner-p1', 4, 'ApssSubscriptionPurchased', '{"partnerId":"p1"}',
                   '{"actor":{"id":"a","role":"AdminAgent"},"at":"2020-01-01T00:00:00Z","schemaVersion":9}')
           RETURNING global_position`,
      );
      const globalPosition = BigInt(row.rows[0]?.global_position ?? -1);
      const error = await collect(store.readStream('partner-p1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredEventError);
      expect(error).toMatchObject({ streamId: 'partner-p1', streamPosition: 4, globalPosition });
      expect((error as StoredEventError).failure.details).toEqual(['metadata.schemaVersion']);
      expect((error as Error).message).toMatch(
        /^stored event 4 of stream partner-p1 \(global position \d+\) does not decode/,
      );
      await expect(collect(store.readAll())).rejects.toBeInstanceOf(StoredEventError);
      await expect(
        handleCommand(store, createTenant('tenant-1', 'sub-1', { partnerId: 'p1', at: minute(10) }), {
          cache: false,
        }),
      ).rejects.toBeInstanceOf(StoredEventError);
      const records = await collect(store.readRecords());
      expect(records).toHaveLength(4);
      expect(records[3]).toMatchObject({ type: 'ApssSubscriptionPurchased', data: { partnerId: 'p1' } });
      expect(await collect(store.readRecords({ after: globalPosition - 1n }))).toHaveLength(1);
    });

    it('a reader following readAll({ after }) while four writers append at once sees every event exactly once, in order', async () => {
      const writers = Array.from({ length: 4 }, () => open({ table: 'followed', max: 1 }));
      const follower = open({ table: 'followed', pageSize: 7 });
      await Promise.all([...writers, follower].map((store) => store.ensureSchema()));
      let done = false;
      const seen: bigint[] = [];
      const follow = (async () => {
        let after = 0n;
        for (let finished = false; !finished;) {
          finished = done;
          for await (const stored of follower.readAll({ after })) {
            seen.push(stored.globalPosition);
            after = stored.globalPosition;
          }
        }
      })();
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 25; i++)
            await writer.appendToStream(`s${w}`, usageEvents(`p${w}`, 1 + (i % 3), `u${i}`), {
              expectedVersion: 'any',
            });
        }),
      );
      done = true;
      await follow;
      const all = (await collect(follower.readAll())).map((s) => s.globalPosition);
      const appended = Array.from({ length: 25 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b);
      expect(all).toHaveLength(4 * appended);
      expect(seen).toEqual(all);
    });

    it("given eight writers appending to one stream with expectedVersion 'any' at once, then every append lands, one after another", async () => {
      const writers = Array.from({ length: 8 }, () => open({ table: 'anyone', max: 1 }));
      await Promise.all(writers.map((writer) => writer.ensureSchema()));
      const versions = await Promise.all(
        writers.flatMap((writer, w) =>
          Array.from({ length: 10 }, async (_, i) => {
            const { nextVersion } = await writer.appendToStream('shared', usageEvents('p', 1, `u${w}-${i}`), {
              expectedVersion: 'any',
            });
            return nextVersion;
          }),
        ),
      );
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      const stored = await collect(open({ table: 'anyone' }).readStream('shared'));
      expect(stored.map(({ streamPosition }) => streamPosition)).toEqual(versions.map((_, i) => i + 1));
    });

    it('given an append in flight when the store is closed, then the append, which commits, resolves with its version', async () => {
      const store = open({ table: 'closing' });
      await store.appendToStream('s', usageEvents('p', 1, 'before'), { expectedVersion: 'any' });
      const blocker = await schema.admin().connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${schema.name}".closing IN EXCLUSIVE MODE`);
        const appending = store.appendToStream('s', usageEvents('p', 1, 'during'), { expectedVersion: 1 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const closing = store.close();
        await blocker.query('COMMIT');
        await expect(appending).resolves.toEqual({ nextVersion: 2 });
        await closing;
      } finally {
        blocker.release();
      }
      const reader = open({ table: 'closing' });
      expect((await collect(reader.readStream('s'))).map(({ streamPosition }) => streamPosition)).toEqual([
        1, 2,
      ]);
    });

    it('handles commands on a fresh partner through the store, end to end', async () => {
      const store = open({ table: 'commands' });
      const result = await handleCommand(
        store,
        createTenant('tenant-1', 'sub-1', { partnerId: 'p1', at: minute(10) }),
      );
      expect(E.isRight(result) && result.right.nextVersion).toBe(2);
      expect((await collect(store.readStream('partner-p1'))).map((s) => s.event.type)).toEqual([
        'SharedTenantCreated',
        'ApssSubscriptionPurchased',
      ]);
    });
  });
}
