import { randomInt } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, fold, handleCommand, type EventStore } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, createTenant, minute, purchase, usageEvents } from '../builders.js';
import { barrier, eventually, isolatedSchema } from './support.js';

/** Where each event sits: its stream, its version there, and its global position. */
type Seen = { readonly streamId: string; readonly version: number; readonly position: bigint };

/**
 * A store whose first append of each handled command waits until every racer has read and decided,
 * so that all of them decide on the same version: the race is certain, not left to timing.
 */
function racing(inner: EventStore, allDecided: () => Promise<void>) {
  let first = true;
  const counts = { conflicts: 0 };
  const store: EventStore = {
    readStream: (streamId, options) => inner.readStream(streamId, options),
    readAll: (options) => inner.readAll(options),
    appendToStream: async (...args) => {
      if (first) {
        first = false;
        await allDecided();
      }
      try {
        return await inner.appendToStream(...args);
      } catch (error) {
        if (error instanceof ConcurrencyError) counts.conflicts += 1;
        throw error;
      }
    },
  };
  return { store, counts };
}

/**
 * Many processes on one partner, each with its own connection: no rule may break, no event may be
 * lost. Appends from several connections commit in parallel, and a reader polling readAll({ after })
 * still sees every event once, in global order.
 */
export function postgresRaces(): void {
  describe('PostgresEventStore under races between connections', () => {
    const schema = isolatedSchema('races');
    const stores: PostgresEventStore[] = [];
    const connections = async (count: number, table: string): Promise<PostgresEventStore[]> => {
      const opened = Array.from(
        { length: count },
        () => new PostgresEventStore({ schema: schema.name, table, max: 1 }),
      );
      stores.push(...opened);
      await Promise.all(opened.map((store) => store.ensureSchema()));
      return opened;
    };
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    it('20 concurrent CreateSharedTenant for one partner from 20 connections: exactly one tenant, 19 TENANT_ALREADY_EXISTS', async () => {
      const opened = await connections(20, 'create_race');
      const allDecided = barrier(20);
      const racers = opened.map((store) => racing(store, allDecided));
      const results = await Promise.all(
        racers.map(({ store }, i) =>
          handleCommand(store, createTenant(`tenant-${i}`, `sub-${i}`, { partnerId: 'p1', at: minute(10) })),
        ),
      );
      const winners = results.filter(E.isRight);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => E.isLeft(r) && r.left.code === 'TENANT_ALREADY_EXISTS')).toHaveLength(19);
      expect(racers.reduce((sum, r) => sum + r.counts.conflicts, 0)).toBe(19);
      const stream = await collect((opened[0] as PostgresEventStore).readStream('partner-p1'));
      expect(stream.map((s) => s.event)).toEqual(winners[0]?.right.events);
      expect(fold(stream.map((s) => s.event)).sharedTenantId).toMatch(/^tenant-\d+$/);
    });

    it('40 concurrent purchases on one partner over 8 connections: every one recorded once, none lost', async () => {
      const opened = await connections(8, 'purchase_race');
      const first = opened[0] as PostgresEventStore;
      await handleCommand(first, createTenant('tenant-1', 'sub-0', { partnerId: 'p1', at: minute(10) }));
      const allDecided = barrier(40);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const { store } = racing(opened[i % 8] as PostgresEventStore, allDecided);
          return handleCommand(
            store,
            purchase(`sub-${i + 1}`, 'tenant-1', { partnerId: 'p1', at: minute(20) }),
            { retries: 100 },
          );
        }),
      );
      expect(results.every(E.isRight)).toBe(true);
      const versions = results.map((r) => (E.isRight(r) ? r.right.nextVersion : -1)).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
      const stream = await collect(first.readStream('partner-p1'));
      expect(stream.map((s) => s.streamPosition)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
      const state = fold(stream.map((s) => s.event));
      expect([...state.subscriptions.keys()].sort()).toEqual(
        Array.from({ length: 41 }, (_, i) => `sub-${i}`).sort(),
      );
    });

    it('an append refused for a stream already past its expected version uses up no global position: readAll meets no gap to wait at', async () => {
      const [store] = (await connections(1, 'no_gap')) as [PostgresEventStore];
      await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
      await expect(
        store.appendToStream('s', usageEvents('p1', 2, 'late'), { expectedVersion: 0 }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendToStream('t', usageEvents('p2', 1), { expectedVersion: 'no_stream' });
      const positions = await schema
        .admin()
        .query<{ global_position: string }>(
          `SELECT global_position FROM ${store.table} ORDER BY global_position`,
        );
      expect(positions.rows.map((row) => Number(row.global_position))).toEqual([1, 2]);
    });

    it('given an append held at its commit, another connection appends meanwhile, and a follower sees neither until the held one commits, then both in global order', async () => {
      const [held, free] = (await connections(2, 'held_commit')) as [PostgresEventStore, PostgresEventStore];
      const admin = schema.admin();
      const hold = randomInt(1, 2 ** 31 - 1);
      // A deferred trigger runs at COMMIT: the held append has its position and waits there, not in its INSERT.
      await admin.query(
        `CREATE FUNCTION "${schema.name}".hold_commit() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN PERFORM pg_advisory_xact_lock_shared(${hold}); RETURN NULL; END $$`,
      );
      await admin.query(
        `CREATE CONSTRAINT TRIGGER hold AFTER INSERT ON ${held.table} DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW WHEN (NEW.stream_id = 'held') EXECUTE FUNCTION "${schema.name}".hold_commit()`,
      );
      const holder = await admin.connect();
      let append: Promise<unknown> | undefined;
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [hold]);
        append = held.appendToStream('held', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
        await eventually(async () => {
          const waiting = await admin.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND NOT granted`,
            [hold],
          );
          return waiting.rowCount === 1 ? true : undefined;
        }, 'the held append to reach its commit');
        // An append queued behind the held one would never end while it is held.
        const queued = new Promise<string>((resolve) =>
          setTimeout(() => resolve('still waiting after 5 s'), 5_000),
        );
        expect(
          await Promise.race([
            free.appendToStream('free', usageEvents('p2', 1), { expectedVersion: 'no_stream' }),
            queued,
          ]),
        ).toEqual({ nextVersion: 1 });
        expect((await collect(free.readStream('free'))).length).toBe(1);
        expect(await collect(free.readAll())).toEqual([]);
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()');
        holder.release();
      }
      expect(await append).toEqual({ nextVersion: 1 });
      // Any transaction in flight on the server holds back what came after it; it ends soon.
      const both = await eventually(async () => {
        const all = await collect(free.readAll());
        return all.length === 2 ? all : undefined;
      }, 'both appends to be readable');
      expect(both.map((stored) => stored.streamId)).toEqual(['held', 'free']);
    });

    it('8 connections appending while a follower polls readAll({ after }): the follower sees every event exactly once, in global order', async () => {
      const writers = await connections(8, 'followed');
      const [follower] = await connections(1, 'followed');
      const appendsEach = 40;
      let writing = true;
      const seen: Seen[] = [];
      const total = writers.length * appendsEach * 2;
      const follow = async (): Promise<void> => {
        let after = 0n;
        let deadline = Number.POSITIVE_INFINITY;
        while (seen.length < total && Date.now() < deadline) {
          // Once the writers are done, the last of their events must show within seconds.
          if (!writing && deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + 5_000;
          for await (const stored of (follower as PostgresEventStore).readAll({ after })) {
            seen.push({
              streamId: stored.streamId,
              version: stored.streamPosition,
              position: stored.globalPosition,
            });
            after = stored.globalPosition;
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      };
      const following = follow();
      await Promise.all(
        writers.map(async (store, w) => {
          for (let i = 0; i < appendsEach; i++)
            await store.appendToStream(`partner-w${w}`, usageEvents(`w${w}`, 2, `e${i}`), {
              expectedVersion: i === 0 ? 'no_stream' : i * 2,
            });
        }),
      );
      writing = false;
      await following;
      const everything = await collect((follower as PostgresEventStore).readAll());
      const key = (s: Seen): string => `${s.streamId}@${s.version}`;
      expect(everything).toHaveLength(total);
      expect(seen.map(key)).toEqual(
        everything.map((stored) =>
          key({ streamId: stored.streamId, version: stored.streamPosition, position: 0n }),
        ),
      );
      expect(seen.map((s) => s.position)).toEqual(everything.map((stored) => stored.globalPosition));
    }, 30_000);
  });
}
