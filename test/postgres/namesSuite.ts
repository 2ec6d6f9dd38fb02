import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreRequestError, handleCommand } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, createTenant, minute, tenantCreated, usageEvents } from '../builders.js';
import { eventually, isolatedSchema, refusalOf } from './support.js';

/** A table name of exactly `length` characters. */
const nameOf = (length: number, start = 'events_'): string => start.padEnd(length, 'x').slice(0, length);

/** Any name the options accept: a letter or _, then letters, digits or _, 1 to 63 in all. */
const sqlName = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), maxLength: 62 }),
  )
  .map(([first, rest]) => first + rest);

/** The table's name: whatever its length, and whatever else the schema holds, conflicts stay ConcurrencyErrors. */
export function postgresNames(): void {
  describe('PostgresEventStore table names', () => {
    const schema = isolatedSchema('names');
    const stores: PostgresEventStore[] = [];
    const open = (table: string, inSchema = schema.name, max = 2): PostgresEventStore => {
      const store = new PostgresEventStore({ schema: inSchema, table, max });
      stores.push(store);
      return store;
    };
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    /** A table as an earlier version made it: with transaction ids or not yet, its unique key named as given. */
    const earlierTable = async (
      table: string,
      {
        transactionIds = false,
        uniqueName,
      }: { readonly transactionIds?: boolean; readonly uniqueName?: string } = {},
    ): Promise<void> => {
      await schema.admin().query(`CREATE SCHEMA IF NOT EXISTS "${schema.name}"`);
      await schema.admin().query(
        `CREATE TABLE "${schema.name}"."${table}" (
           global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           stream_id text NOT NULL,
           stream_position integer NOT NULL CHECK (stream_position >= 1),
           type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
           recorded_at timestamptz NOT NULL DEFAULT now(),
           ${transactionIds ? 'transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),' : ''}
           ${uniqueName === undefined ? '' : `CONSTRAINT "${uniqueName}"`} UNIQUE (stream_id, stream_position))`,
      );
    };

    it('given any table name the options accept (1 to 63 characters), a conflicting append is a ConcurrencyError', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(sqlName, async (table) => {
          // A schema per run: a name drawn earlier must not have taken this one (its index is `<name>_pkey`).
          const own = `${schema.name}_${++run}`;
          const store = open(table, own, 1);
          try {
            await store.appendToStream(
              'partner-p1',
              [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })],
              { expectedVersion: 'no_stream' },
            );
            const conflict = await refusalOf(
              store.appendToStream(
                'partner-p1',
                [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })],
                { expectedVersion: 'no_stream' },
              ),
            );
            expect(conflict).toBeInstanceOf(ConcurrencyError);
            expect(conflict).toMatchObject({ actualVersion: 1 });
          } finally {
            await store.close();
            await schema.admin().query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
          }
        }),
        { numRuns: 12, examples: [[nameOf(44)], [nameOf(50)], [nameOf(63)]] },
      );
    });

    it('given a 50-character table, 20 concurrent CreateSharedTenant from 20 connections: one tenant, 19 TENANT_ALREADY_EXISTS, no database error', async () => {
      const table = nameOf(50, 'race_');
      const racers = Array.from({ length: 20 }, () => open(table, schema.name, 1));
      await Promise.all(racers.map((store) => store.ensureSchema()));
      const results = await Promise.all(
        racers.map((store, i) =>
          handleCommand(store, createTenant(`tenant-${i}`, `sub-${i}`, { partnerId: 'p1', at: minute(10) })),
        ),
      );
      expect(results.filter(E.isRight)).toHaveLength(1);
      expect(results.filter((r) => E.isLeft(r) && r.left.code === 'TENANT_ALREADY_EXISTS')).toHaveLength(19);
    });

    it('given two 63-character tables that differ only in their last character, both are created and both detect conflicts', async () => {
      const twins = ['a', 'b'].map((last) => open(`${nameOf(62, 'twin_')}${last}`));
      for (const store of twins) {
        expect(
          await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' }),
        ).toEqual({
          nextVersion: 2,
        });
        expect(
          await refusalOf(store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 1 })),
        ).toBeInstanceOf(ConcurrencyError);
        expect(await collect(store.readStream('s'))).toHaveLength(2);
      }
    });

    it('given a table made by an earlier version (its constraint name cut at 63 bytes by PostgreSQL), a conflict is still a ConcurrencyError', async () => {
      const table = nameOf(50, 'legacy_');
      await earlierTable(table, { uniqueName: `${table}_stream_position_key` });
      const store = open(table);
      await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      expect(
        await refusalOf(store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' })),
      ).toBeInstanceOf(ConcurrencyError);
    });

    it('given a table of an earlier version (no transaction id) with events in it, reads see them untouched, and the first append adds the column, the old rows counting as long committed', async () => {
      const table = 'before_xid';
      const admin = schema.admin();
      await earlierTable(table);
      const [old] = usageEvents('p1', 1, 'old');
      await admin.query(
        `INSERT INTO "${schema.name}".${table} (stream_id, stream_position, type, data, metadata) VALUES ('s', 1, $1, $2, $3)`,
        [old?.type, old?.data, old?.metadata],
      );
      const store = open(table);
      expect((await collect(store.readAll())).map((stored) => stored.streamPosition)).toEqual([1]);
      await store.appendToStream('s', usageEvents('p1', 1, 'new'), { expectedVersion: 1 });
      const ids = await admin.query<{ old: boolean }>(
        `SELECT transaction_id = '0'::xid8 AS old FROM "${schema.name}".${table} ORDER BY global_position`,
      );
      expect(ids.rows).toEqual([{ old: true }, { old: false }]);
      const all = await eventually(async () => {
        const read = await collect(store.readAll());
        return read.length === 2 ? read : undefined;
      }, 'the new append to be readable');
      expect(all.map((stored) => stored.streamPosition)).toEqual([1, 2]);
    });

    it('given a table of the previous version (transaction ids, no append function) shared by two stores, the first append makes the function once, and both append through it', async () => {
      const table = 'before_function';
      const admin = schema.admin();
      await earlierTable(table, { transactionIds: true });
      const functions = async (): Promise<number> =>
        (
          await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = $1::regnamespace AND proname LIKE 'apss_append_%'`,
            [`"${schema.name}"`],
          )
        ).rows[0]?.n ?? -1;
      const before = await functions();
      const [first, second] = [open(table), open(table)];
      await Promise.all([
        first.appendToStream('a', usageEvents('p1', 2), { expectedVersion: 'no_stream' }),
        second.appendToStream('b', usageEvents('p2', 2), { expectedVersion: 'no_stream' }),
      ]);
      expect(await functions()).toBe(before + 1);
      expect(
        await refusalOf(
          second.appendToStream('a', usageEvents('p1', 1, 'late'), { expectedVersion: 'no_stream' }),
        ),
      ).toBeInstanceOf(ConcurrencyError);
      expect(
        (await collect(first.readAll())).map((stored) => [stored.streamId, stored.streamPosition]),
      ).toEqual(
        expect.arrayContaining([
          ['a', 1],
          ['a', 2],
          ['b', 1],
          ['b', 2],
        ]),
      );
    });

    it("given the name of the events table's own index (events_pkey), every call is refused naming options.table and saying what the name is", async () => {
      await open('events').ensureSchema();
      const store = open('events_pkey');
      for (const call of [
        () => store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'any' }),
        () => collect(store.readAll()),
        () => collect(store.readStream('s')),
      ]) {
        const refusal = await refusalOf(call());
        expect(refusal).toBeInstanceOf(EventStoreRequestError);
        expect((refusal as EventStoreRequestError).details).toEqual(['options.table']);
        expect((refusal as Error).message).toContain(
          `"${schema.name}"."events_pkey", which is an index, not a table`,
        );
      }
    });

    it('given a table without a unique index on (stream_id, stream_position), appends are refused (no conflict could be seen) and nothing is written', async () => {
      await schema.admin().query(`CREATE SCHEMA IF NOT EXISTS "${schema.name}"`);
      await schema.admin().query(
        `CREATE TABLE "${schema.name}".loose (
           global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL,
           stream_position integer NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL)`,
      );
      const store = open('loose');
      const refusal = await refusalOf(
        store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'any' }),
      );
      expect(refusal).toBeInstanceOf(EventStoreRequestError);
      expect((refusal as Error).message).toContain('without a unique index on (stream_id, stream_position)');
      const rows = await schema.admin().query(`SELECT 1 FROM "${schema.name}".loose`);
      expect(rows.rowCount).toBe(0);
    });
  });
}
