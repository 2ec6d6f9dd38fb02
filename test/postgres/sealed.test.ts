import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreRequestError, InMemoryEventStore } from 'apss-domain';
import { PostgresEventStore, type PostgresEventStoreOptions } from 'apss-domain/postgres';
import { collect, usageEvents } from '../builders.js';
import { eventStoreContract } from '../store/contract.js';
import { expectOneChain, sealedStoreContract } from '../store/sealedContract.js';
import { isolatedSchema, whenPostgres } from './support.js';

await whenPostgres('sealed PostgreSQL store tests', () => {
  const schema = isolatedSchema('sealed');
  const stores: PostgresEventStore[] = [];
  let tables = 0;
  const open = (
    options: PostgresEventStoreOptions = {},
    table = `sealed_${++tables}`,
  ): PostgresEventStore => {
    const store = new PostgresEventStore({ schema: schema.name, table, pageSize: 3, ...options });
    stores.push(store);
    return store;
  };
  const opened = async (options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> => {
    const store = open({ pool: schema.admin(), seal: true, ...options });
    await store.ensureSchema();
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  const count = async (store: PostgresEventStore): Promise<number> =>
    Number(
      (await schema.admin().query<{ n: string }>(`SELECT count(*) AS n FROM ${store.table}`)).rows[0]?.n,
    );

  eventStoreContract('PostgresEventStore with seal: true', { pageSize: 3, runs: 8, open: () => opened() });
  sealedStoreContract('PostgresEventStore', { runs: 8, open: () => opened() });

  describe('PostgresEventStore sealed appends', () => {
    it('eight sealed writers on eight connections append at once: one unbroken chain in global order, and a follower on readAll sees every event once, in order', async () => {
      const table = 'parallel';
      const writers = Array.from({ length: 8 }, () => open({ seal: true, max: 1 }, table));
      await Promise.all(writers.map((w) => w.ensureSchema()));
      const follower = open({ max: 1 }, table);
      const followed: bigint[] = [];
      let writing = true;
      const following = (async () => {
        let after = 0n;
        while (writing || followed.length < 8 * 12 * 2) {
          for await (const stored of follower.readAll({ after })) {
            followed.push(stored.globalPosition);
            after = stored.globalPosition;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 12; i++)
            await writer.appendToStream(`partner-w${w}`, usageEvents(`w${w}`, 2, `u${i}`), {
              expectedVersion: i * 2,
            });
        }),
      );
      writing = false;
      await following;
      const sealed = await collect((writers[0] as PostgresEventStore).readSealed());
      expect(sealed).toHaveLength(8 * 12 * 2);
      expectOneChain(sealed);
      const positions = sealed.map((r) => BigInt(r.globalPosition));
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(followed).toEqual(positions);
      for (let w = 0; w < 8; w++)
        expect(sealed.filter((r) => r.streamId === `partner-w${w}`).map((r) => r.streamPosition)).toEqual(
          Array.from({ length: 24 }, (_, i) => i + 1),
        );
    });

    it('given a sealed table, when an append expects a version the stream is not at, then ConcurrencyError, no position is drawn, and the chain goes on from the last link', async () => {
      const store = await opened();
      await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' });
      await expect(
        store.appendToStream('s', usageEvents('p1', 1, 'late'), { expectedVersion: 1 }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendToStream('t', usageEvents('p2', 1), { expectedVersion: 'any' });
      const sealed = await collect(store.readSealed());
      expectOneChain(sealed);
      expect(sealed.map((r) => r.globalPosition)).toEqual(['1', '2', '3']);
    });

    it('given two writers taking turns on one table, each links after the other: a writer that knows a head no longer the last one reads the new head, and a stale version is still a conflict', async () => {
      const table = 'turns';
      const [a, b] = [open({ seal: true, max: 1 }, table), open({ seal: true, max: 1 }, table)] as const;
      await a.appendToStream('partner-a', usageEvents('a', 1), { expectedVersion: 0 });
      await b.appendToStream('partner-b', usageEvents('b', 2), { expectedVersion: 0 });
      await a.appendToStream('partner-a', usageEvents('a', 1, 'v'), { expectedVersion: 1 });
      await b.appendToStream('partner-a', usageEvents('a', 1, 'w'), { expectedVersion: 2 });
      await expect(
        a.appendToStream('partner-a', usageEvents('a', 1, 'x'), { expectedVersion: 2 }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await a.appendToStream('partner-a', usageEvents('a', 1, 'y'), { expectedVersion: 3 });
      const sealed = await collect(a.readSealed());
      expectOneChain(sealed);
      expect(sealed.map((r) => `${r.globalPosition}:${r.streamId}:${r.streamPosition}`)).toEqual([
        '1:partner-a:1',
        '2:partner-b:1',
        '3:partner-b:2',
        '4:partner-a:2',
        '5:partner-a:3',
        '6:partner-a:4',
      ]);
    });

    it('given the same appends, a sealed PostgreSQL store and a sealed in-memory store give the same lines', async () => {
      const store = await opened();
      const memory = new InMemoryEventStore({ seal: true });
      for (const target of [store, memory]) {
        await target.appendToStream('partner-p1', usageEvents('p1', 3), { expectedVersion: 'no_stream' });
        await target.appendToStream('partner-p2', usageEvents('p2', 2), { expectedVersion: 'any' });
      }
      expect((await collect(store.readSealed())).map((r) => r.hash)).toEqual(
        (await collect(memory.readSealed())).map((r) => r.hash),
      );
    });
  });

  describe('sealed and unsealed writers on one table: never a gap in the chain', () => {
    it('given a sealed table, an unsealed store of this version refuses to append (options.seal) and reads it as any store', async () => {
      const sealed = await opened();
      await sealed.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' });
      const plain = open({ pool: schema.admin() }, sealed.table.split('.')[1]?.replaceAll('"', ''));
      const refused = plain.appendToStream('s', usageEvents('p1', 1, 'x'), { expectedVersion: 2 });
      await expect(refused).rejects.toBeInstanceOf(EventStoreRequestError);
      await expect(refused).rejects.toThrow(/options\.seal is not set, but .* is sealed/);
      expect(await count(sealed)).toBe(2);
      expect(await collect(plain.readAll())).toHaveLength(2);
      expect(await plain.isSealed()).toBe(true);
    });

    it('given a sealed table, an insert without the chain columns (a writer of an earlier version) fails', async () => {
      const sealed = await opened();
      await sealed.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      await expect(
        schema
          .admin()
          .query(
            `INSERT INTO ${sealed.table} (stream_id, stream_position, type, data, metadata) VALUES ('s', 2, 'T', '{}', '{}')`,
          ),
      ).rejects.toThrow(/null value in column "(prev|hash)"/);
      expectOneChain(await collect(sealed.readSealed()));
    });

    it('given a table with events appended without seal, a sealed store refuses it (options.seal) and changes nothing', async () => {
      const plain = open({ pool: schema.admin() });
      await plain.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      const name = plain.table.split('.')[1]?.replaceAll('"', '');
      const sealed = open({ pool: schema.admin(), seal: true }, name);
      const refused = sealed.appendToStream('s', usageEvents('p1', 1, 'x'), { expectedVersion: 1 });
      await expect(refused).rejects.toBeInstanceOf(EventStoreRequestError);
      await expect(refused).rejects.toThrow(
        /options\.seal cannot seal .*: it holds events appended without seal/,
      );
      expect(await sealed.isSealed()).toBe(false);
      expect(await count(plain)).toBe(1);
      await expect(collect(sealed.readSealed())).rejects.toThrow(/not sealed/);
    });

    it('given an empty table an unsealed store made, a sealed store seals it; the unsealed store then cannot append a row outside the chain', async () => {
      const plain = open({ pool: schema.admin() });
      await plain.ensureSchema();
      const sealed = open(
        { pool: schema.admin(), seal: true },
        plain.table.split('.')[1]?.replaceAll('"', ''),
      );
      await sealed.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      await expect(
        plain.appendToStream('t', usageEvents('p2', 1), { expectedVersion: 'no_stream' }),
      ).rejects.toThrow();
      expect(await count(sealed)).toBe(1);
      expectOneChain(await collect(sealed.readSealed()));
    });

    it.each([['yes'], [0]])('given seal: %j, then calls reject naming options.seal', async (seal) => {
      const store = open({ seal } as unknown as PostgresEventStoreOptions);
      await expect(store.ensureSchema()).rejects.toThrow(/options\.seal must be true or false/);
    });
  });
});
