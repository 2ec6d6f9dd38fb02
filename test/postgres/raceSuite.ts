import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, fold, handleCommand, type EventStore } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, createTenant, minute, purchase } from '../builders.js';
import { barrier, isolatedSchema } from './support.js';

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

/** Many processes on one partner, each with its own connection: no rule may break, no event may be lost. */
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
  });
}
