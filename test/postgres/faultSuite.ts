import { randomInt } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, handleCommand } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, createSharedTenant, subscriptionPurchased, tenantCreated } from '../store/fixtures.js';
import { isolatedSchema } from './support.js';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Failures of the database or of the connection to it. */
export function postgresFaults(): void {
  describe('PostgresEventStore when connections fail', () => {
    const schema = isolatedSchema('faults');
    const stores: PostgresEventStore[] = [];
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
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
          .appendToStream('partner-p1', [tenantCreated('p1'), subscriptionPurchased('p1', 'sub-1')], {
            expectedVersion: 'no_stream',
          })
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
        expect(activity.rows[0]).toMatchObject({ query: expect.stringContaining('INSERT INTO'), xact: true });
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
        [tenantCreated('p1'), subscriptionPurchased('p1', 'sub-1')],
        {
          expectedVersion: 'no_stream',
        },
      );
      expect(retried).toEqual({ nextVersion: 2 });
      expect((await collect(store.readStream('partner-p1'))).map((s) => s.streamPosition)).toEqual([1, 2]);
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
        store.appendToStream('s', [tenantCreated('p1')], { expectedVersion: 'any' }),
      ).rejects.toThrow(/ECONNREFUSED/);
      await expect(collect(store.readAll())).rejects.toThrow(/ECONNREFUSED/);
      await expect(handleCommand(store, createSharedTenant('p1'))).rejects.toThrow(/ECONNREFUSED/);
    });
  });
}
