import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { ConcurrencyError, handleCommand, partnerStreamId } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import {
  collect,
  createTenant,
  minute,
  purchase,
  purchased,
  tenantCreated,
  usageEvents,
} from '../builders.js';
import { eventually, isolatedSchema } from './support.js';
import { terminatingProxy } from './wire.js';

/** Errors that reach the process as uncaught (an 'error' event nobody listens to): each would end a host process. */
function watchUncaught(): () => readonly unknown[] {
  let seen: unknown[] = [];
  const monitor = (error: unknown): void => {
    seen.push(error);
  };
  beforeEach(() => {
    seen = [];
    process.on('uncaughtExceptionMonitor', monitor);
  });
  afterEach(() => {
    process.off('uncaughtExceptionMonitor', monitor);
  });
  return () => seen;
}

/**
 * Terminates the backends of one application_name, and no other. The OFFSET 0 keeps the choice in a
 * subquery of its own: in one flat WHERE, PostgreSQL may call pg_terminate_backend before the filter.
 */
async function terminateAll(admin: pg.Pool, application: string): Promise<number> {
  const terminated = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM (
       SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() OFFSET 0
     ) AS chosen`,
    [application],
  );
  return terminated.rowCount ?? 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Failures of the database or of the connection to it. */
export function postgresFaults(): void {
  describe('PostgresEventStore when connections fail', () => {
    const schema = isolatedSchema('faults');
    const stores: PostgresEventStore[] = [];
    const uncaught = watchUncaught();
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    /** A store whose connections carry an application_name of their own: the ones the tests terminate. */
    const named = (table: string, max: number) => {
      const application = `apss_faults_${randomBytes(4).toString('hex')}`;
      const store = new PostgresEventStore({
        schema: schema.name,
        table,
        max,
        application_name: application,
      });
      stores.push(store);
      return { store, application };
    };

    /** A table made beforehand, so that the store's first connection only looks it up. */
    const prepared = async (table: string): Promise<void> => {
      const maker = new PostgresEventStore({ pool: schema.admin(), schema: schema.name, table });
      await maker.ensureSchema();
      await maker.close();
    };

    it.each(['its own pool', "a caller's pool"])(
      'given %s, a connection terminated in the very packet that ends its start-up fails the append it was for; the process lives and the store goes on',
      async (whose) => {
        const table = whose === 'its own pool' ? 'startup_own' : 'startup_callers';
        await prepared(table);
        // Connection 1 looks the table up, connection 2 is the append's and is terminated; maxUses 1 makes each use connect anew.
        const proxy = await terminatingProxy((index) => index === 2);
        const settings = { host: '127.0.0.1', port: proxy.port, max: 1, maxUses: 1 };
        const callers = whose === 'its own pool' ? undefined : new pg.Pool(settings);
        callers?.on('error', () => undefined);
        const store = new PostgresEventStore({
          ...(callers === undefined ? settings : { pool: callers }),
          schema: schema.name,
          table,
        });
        stores.push(store);
        const append = () =>
          store.appendToStream(
            'partner-p1',
            [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })],
            { expectedVersion: 'no_stream' },
          );
        await expect(append()).rejects.toThrow();
        expect(proxy.accepted()).toBe(2);
        expect(uncaught()).toEqual([]);
        expect(await append()).toEqual({ nextVersion: 1 });
        await store.close();
        if (callers !== undefined) {
          expect(callers.listenerCount('connect')).toBe(0);
          await callers.end();
        }
      },
    );

    it('while every connection of the store is terminated every 7 ms, appends succeed or fail whole, the process lives, and afterwards the store goes on', async () => {
      const { store, application } = named('storm', 4);
      await store.ensureSchema();
      const admin = schema.admin();
      let raging = true;
      let terminated = 0;
      const storm = (async () => {
        while (raging) {
          terminated += await terminateAll(admin, application);
          await sleep(7);
        }
      })();
      const outcomes = { appended: 0, failed: 0 };
      const deadline = Date.now() + 1_500;
      await Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let batch = 0; Date.now() < deadline; batch++)
            await store
              .appendToStream(`s${writer}`, usageEvents('p1', 3, `b${batch}`), { expectedVersion: 'any' })
              .then(
                () => (outcomes.appended += 1),
                (error: unknown) => {
                  expect(error).toBeInstanceOf(Error);
                  expect(error).not.toBeInstanceOf(ConcurrencyError);
                  outcomes.failed += 1;
                },
              );
        }),
      );
      raging = false;
      await storm;
      expect(uncaught()).toEqual([]);
      expect(terminated).toBeGreaterThan(0);
      expect(outcomes.failed).toBeGreaterThan(0);
      // An append is one transaction: a batch is in the table whole or not at all, at positions without gaps.
      const rows = await admin.query<{ stream_id: string; stream_position: number; usage: string }>(
        `SELECT stream_id, stream_position, data->>'usageId' AS usage FROM ${store.table} ORDER BY global_position`,
      );
      const batches = new Map<string, number>();
      for (const row of rows.rows) {
        const key = `${row.stream_id}/${row.usage.split('-')[0] ?? ''}`;
        batches.set(key, (batches.get(key) ?? 0) + 1);
      }
      expect([...batches.values()].every((count) => count === 3)).toBe(true);
      // An append whose COMMIT went through just before its connection died is stored though it failed.
      expect(batches.size).toBeGreaterThanOrEqual(outcomes.appended);
      for (let writer = 0; writer < 4; writer++) {
        const positions = (await collect(store.readStream(`s${writer}`))).map((s) => s.streamPosition);
        expect(positions).toEqual(positions.map((_, i) => i + 1));
      }
      expect(
        await store.appendToStream('after', usageEvents('p1', 1), { expectedVersion: 'no_stream' }),
      ).toEqual({ nextVersion: 1 });
    });

    it('when the server drops every connection of the store at once (as in a restart), the calls after it succeed', async () => {
      const { store, application } = named('restart', 3);
      const appendThree = () =>
        Promise.all(
          ['a', 'b', 'c'].map((stream) =>
            store.appendToStream(stream, usageEvents('p1', 1), { expectedVersion: 'any' }),
          ),
        );
      await appendThree();
      const admin = schema.admin();
      const count = async (): Promise<number> =>
        (
          await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [application],
          )
        ).rows[0]?.n ?? -1;
      expect(await count()).toBeGreaterThan(0);
      await terminateAll(admin, application);
      await eventually(async () => ((await count()) === 0 ? true : undefined), 'the backends to end');
      // The pool learns of its dead idle connections as their end reaches it.
      await sleep(50);
      expect(await appendThree()).toEqual([{ nextVersion: 2 }, { nextVersion: 2 }, { nextVersion: 2 }]);
      expect((await collect(store.readAll())).length).toBe(6);
      expect(uncaught()).toEqual([]);
    });

    it('a connection killed in the middle of an append leaves no partial decision behind, and the store goes on', async () => {
      const admin = schema.admin();
      const store = new PostgresEventStore({ schema: schema.name, table: 'killed', max: 1 });
      stores.push(store);
      await store.ensureSchema();
      // A trigger holds the append after its INSERT (both rows written, not committed) until we let go.
      const hold = randomInt(1, 2 ** 31 - 1);
      await admin.query(
        `CREATE FUNCTION "${schema.name}".hold_append() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN PERFORM pg_advisory_lock_shared(${hold}); RETURN NULL; END $$`,
      );
      await admin.query(
        `CREATE TRIGGER hold AFTER INSERT ON ${store.table} FOR EACH STATEMENT EXECUTE FUNCTION "${schema.name}".hold_append()`,
      );
      const holder = await admin.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [hold]);
        const append = store
          .appendToStream(
            'partner-p1',
            [
              tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) }),
              purchased('sub-1', 'tenant-1', { partnerId: 'p1', at: minute(1) }),
            ],
            {
              expectedVersion: 'no_stream',
            },
          )
          .then(
            () => 'appended',
            (error: unknown) => error,
          );
        const pid = await eventually(async () => {
          const waiting = await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND NOT granted`,
            [hold],
          );
          return waiting.rows[0]?.pid;
        }, 'the append to reach its trigger');
        const activity = await admin.query<{ query: string; xact: boolean }>(
          'SELECT query, xact_start IS NOT NULL AS xact FROM pg_stat_activity WHERE pid = $1',
          [pid],
        );
        expect(activity.rows[0]).toMatchObject({
          query: expect.stringContaining('apss_append_'),
          xact: true,
        });
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        const outcome = await append;
        expect(outcome).toBeInstanceOf(Error);
        expect(outcome).not.toBeInstanceOf(ConcurrencyError);
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()');
        holder.release();
      }
      await admin.query(`DROP TRIGGER hold ON ${store.table}`);
      expect((await admin.query(`SELECT count(*)::int AS n FROM ${store.table}`)).rows).toEqual([{ n: 0 }]);
      expect(await collect(store.readStream('partner-p1'))).toEqual([]);
      const retried = await store.appendToStream(
        'partner-p1',
        [
          tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) }),
          purchased('sub-1', 'tenant-1', { partnerId: 'p1', at: minute(1) }),
        ],
        {
          expectedVersion: 'no_stream',
        },
      );
      expect(retried).toEqual({ nextVersion: 2 });
      expect((await collect(store.readStream('partner-p1'))).map((s) => s.streamPosition)).toEqual([1, 2]);
    });

    const droppable = isolatedSchema('dropped');
    it('given its table, then its schema, dropped under a live store (a database reset), then it reads an empty log, and the next command creates them again, snapshots too', async () => {
      const store = new PostgresEventStore({ schema: droppable.name, max: 2, snapshotEvery: 2 });
      stores.push(store);
      const stream = partnerStreamId('p1');
      const decided = async (command: Parameters<typeof handleCommand>[1]) => {
        const handled = await handleCommand(store, command);
        return E.isRight(handled) ? handled.right.nextVersion : handled.left.code;
      };
      expect(await decided(createTenant())).toBe(2);
      for (const drop of [
        `DROP TABLE "${droppable.name}"."events"`,
        `DROP SCHEMA "${droppable.name}" CASCADE`,
      ]) {
        await droppable.admin().query(drop);
        expect(await collect(store.readAll())).toEqual([]);
        expect(await collect(store.readStream(stream))).toEqual([]);
        // The stream the cache holds two events of is empty now: the tenant is created anew.
        expect(await decided(createTenant())).toBe(2);
        expect((await store.readSnapshot(stream))?.streamVersion).toBe(2);
        expect(await decided(purchase('s2'))).toBe(3);
        expect(await store.takeSnapshot(stream)).toBe(3);
        expect((await collect(store.readAll())).map(({ event }) => event.type)).toEqual([
          'SharedTenantCreated',
          'ApssSubscriptionPurchased',
          'ApssSubscriptionPurchased',
        ]);
      }
    });

    it('with the database unreachable, appends, reads and handleCommand reject with the driver error; nothing is claimed', async () => {
      const store = new PostgresEventStore({
        host: '127.0.0.1',
        port: 1,
        schema: schema.name,
        connectionTimeoutMillis: 2_000,
      });
      stores.push(store);
      await expect(
        store.appendToStream('s', [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })], {
          expectedVersion: 'any',
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
      await expect(collect(store.readAll())).rejects.toThrow(/ECONNREFUSED/);
      await expect(
        handleCommand(store, createTenant('tenant-1', 'sub-1', { partnerId: 'p1', at: minute(10) })),
      ).rejects.toThrow(/ECONNREFUSED/);
    });
  });
}
