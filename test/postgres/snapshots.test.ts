import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeSnapshot,
  EventStoreRequestError,
  fold,
  handleCommand,
  partnerStreamId,
  restoreState,
  SNAPSHOT_FORMAT,
} from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { cancel, createTenant, history, usage } from '../builders.js';
import { countingReads } from '../store/countingReads.js';
import { isolatedSchema, whenPostgres } from './support.js';

const stream = partnerStreamId('p1');

const onboardAndUse = (count: number) =>
  history([
    createTenant('t1', 's1'),
    ...Array.from({ length: count }, (_, i) => usage('s1', '2022-01-01', `u${i}`)),
  ]);

await whenPostgres('PostgreSQL snapshot tests', () => {
  describe('PostgresEventStore snapshots', () => {
    const schema = isolatedSchema('snapshots');
    const stores: PostgresEventStore[] = [];
    const open = (options: ConstructorParameters<typeof PostgresEventStore>[0] = {}) => {
      const store = countingReads(new PostgresEventStore({ schema: schema.name, max: 2, ...options }));
      stores.push(store);
      return store;
    };
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    const snapshotRows = async (table: string) =>
      (
        await schema
          .admin()
          .query<{ stream_id: string; stream_version: number; format: number }>(
            `SELECT stream_id, stream_version, format FROM "${schema.name}"."${table}" ORDER BY stream_id`,
          )
      ).rows;

    it('given snapshotEvery: 5, when appends take a stream past 5 and 10, then a snapshot is kept at each, in <table>_snapshots', async () => {
      const store = open({ table: 'every', snapshotEvery: 5 });
      const events = onboardAndUse(10);
      await store.appendToStream(stream, events.slice(0, 4), { expectedVersion: 'no_stream' });
      expect(await store.readSnapshot(stream)).toBeUndefined();
      await store.appendToStream(stream, events.slice(4, 7), { expectedVersion: 4 });
      expect(await snapshotRows('every_snapshots')).toEqual([
        { stream_id: stream, stream_version: 7, format: SNAPSHOT_FORMAT },
      ]);
      for (let at = 7; at < 12; at++)
        await store.appendToStream(stream, events.slice(at, at + 1), { expectedVersion: at });
      expect(await snapshotRows('every_snapshots')).toEqual([
        { stream_id: stream, stream_version: 10, format: SNAPSHOT_FORMAT },
      ]);
      expect(await restoreState(store, stream)).toEqual({ version: 12, state: fold(events) });
    });

    it('given a sealed store with snapshotEvery: 5, when appends take a stream past 5, then a snapshot is kept there too', async () => {
      const store = open({ table: 'sealed_every', snapshotEvery: 5, seal: true });
      const events = onboardAndUse(5);
      await store.appendToStream(stream, events.slice(0, 4), { expectedVersion: 'no_stream' });
      await store.appendToStream(stream, events.slice(4, 6), { expectedVersion: 4 });
      expect(await snapshotRows('sealed_every_snapshots')).toEqual([
        { stream_id: stream, stream_version: 6, format: SNAPSHOT_FORMAT },
      ]);
      expect(await restoreState(store, stream)).toEqual({ version: 6, state: fold(events.slice(0, 6)) });
    });

    it('given a snapshot, when a fresh store (nothing cached) handles a command, then it reads the snapshot and only the events after it', async () => {
      const writer = open({ table: 'cold' });
      const events = onboardAndUse(40);
      await writer.appendToStream(stream, events.slice(0, 30), { expectedVersion: 'no_stream' });
      expect(await writer.takeSnapshot(stream)).toBe(30);
      await writer.appendToStream(stream, events.slice(30), { expectedVersion: 30 });
      const cold = open({ table: 'cold' });
      const handled = await handleCommand(cold, usage('s1', '2022-01-01', 'u-new'));
      expect(E.isRight(handled) && handled.right.nextVersion).toBe(43);
      expect(cold.eventsRead).toBe(1 + 12);
      const again = open({ table: 'cold' });
      const refused = await handleCommand(again, usage('s1', '2022-01-01', 'u3'));
      expect(E.isLeft(refused) && refused.left.code).toBe('DUPLICATE_ID');
    });

    it('given a snapshot of a stream that was cut back below it, or of another format, or not decodable, then it is ignored and the stream read from its start', async () => {
      const store = open({ table: 'ignored' });
      const events = onboardAndUse(8);
      await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
      await store.takeSnapshot(stream);
      const table = `"${schema.name}"."ignored"`;
      const snapshots = `"${schema.name}"."ignored_snapshots"`;
      await schema.admin().query(`DELETE FROM ${table} WHERE stream_position > 6`);
      expect(await restoreState(open({ table: 'ignored' }), stream)).toEqual({
        version: 6,
        state: fold(events.slice(0, 6)),
      });
      await store.appendToStream(stream, events.slice(6), { expectedVersion: 6 });
      for (const change of [
        `UPDATE ${snapshots} SET format = ${SNAPSHOT_FORMAT + 1}`,
        `UPDATE ${snapshots} SET format = ${SNAPSHOT_FORMAT}, snapshot = '{"version": 1, "state": {}}'`,
      ]) {
        await schema.admin().query(change);
        const fresh = open({ table: 'ignored' });
        expect(await restoreState(fresh, stream)).toEqual({ version: 10, state: fold(events) });
        expect(fresh.eventsRead).toBe(10);
      }
      // The one kept cannot be used: a snapshot taken now replaces it, though its version is no later.
      await schema.admin().query(`UPDATE ${snapshots} SET stream_version = 12`);
      expect(await store.takeSnapshot(stream)).toBe(10);
      const fresh = open({ table: 'ignored' });
      expect(await restoreState(fresh, stream)).toEqual({ version: 10, state: fold(events) });
      expect(fresh.eventsRead).toBe(1);
    });

    it('refuses to keep a value that is not a snapshot of this format, naming the field, with the one kept left as it was', async () => {
      const store = open({ table: 'checked' });
      await store.appendToStream(stream, onboardAndUse(3), { expectedVersion: 'no_stream' });
      expect(await store.takeSnapshot(stream)).toBe(5);
      const kept = await store.readSnapshot(stream);
      for (const [snapshot, field] of [
        [undefined, /writeSnapshot: snapshot is required/],
        [{}, /snapshot\.version/],
        [{ ...encodeSnapshot(fold(onboardAndUse(3))), later: 1 }, /snapshot\.later/],
        [{ ...encodeSnapshot(fold(onboardAndUse(3))), later: 1n }, /snapshot cannot be written as JSON/],
      ] as const) {
        const refused = store.writeSnapshot(stream, 9, snapshot as never, { replace: true });
        await expect(refused).rejects.toBeInstanceOf(EventStoreRequestError);
        await expect(refused).rejects.toThrow(field);
      }
      expect(await store.readSnapshot(stream)).toEqual(kept);
    });

    it('reading a snapshot creates nothing: a store without a snapshots table has none', async () => {
      const store = open({ table: 'readonly' });
      expect(await store.readSnapshot(stream)).toBeUndefined();
      const found = await schema
        .admin()
        .query(`SELECT to_regclass($1) AS found`, [`"${schema.name}"."readonly_snapshots"`]);
      expect(found.rows).toEqual([{ found: null }]);
    });

    it('refuses a snapshotEvery that is not a whole number from 1, and a bad snapshots table name, naming the option; the snapshots table of a long table name is named within 63 characters', async () => {
      await expect(open({ snapshotEvery: 0 }).readSnapshot(stream)).rejects.toThrow('options.snapshotEvery');
      await expect(open({ snapshotTable: 'Bad-Name' }).readSnapshot(stream)).rejects.toThrow(
        'options.snapshotTable',
      );
      // The events table's own name would be taken for a snapshots table made already, and read as one.
      await expect(open({ table: 'both', snapshotTable: 'both' }).readSnapshot(stream)).rejects.toThrow(
        /options\.snapshotTable.*names the events table/,
      );
      await expect(open().writeSnapshot(stream, 0, encodeSnapshot(fold([])))).rejects.toThrow(
        /streamVersion/,
      );
      for (const last of ['a', 'b']) {
        const long = open({ table: `${'x'.repeat(62)}${last}` });
        await long.appendToStream(stream, onboardAndUse(1), { expectedVersion: 'no_stream' });
        expect(await long.takeSnapshot(stream)).toBe(3);
      }
      const derived = await schema
        .admin()
        .query<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'xxx%snapshots' ORDER BY 1`,
          [schema.name],
        );
      expect(derived.rows.map((row) => row.name.length)).toEqual([63, 63]);
      const named = open({ table: 'x'.repeat(60), snapshotTable: 'short_snapshots' });
      await named.appendToStream(stream, onboardAndUse(1), { expectedVersion: 'no_stream' });
      expect(await named.takeSnapshot(stream)).toBe(3);
      expect(await snapshotRows('short_snapshots')).toHaveLength(1);
    });

    it("given another partner's event written into a partner's stream by another program, then a cold instance, from its snapshot or without one, answers PARTNER_MISMATCH and applies nothing of it (R1)", async () => {
      const writer = open({ table: 'foreign', snapshotEvery: 2 });
      await handleCommand(writer, createTenant('t1', 's1', { partnerId: 'p1', at: '2021-01-01T00:00:00Z' }));
      await schema
        .admin()
        .query(
          `INSERT INTO "${schema.name}".foreign (stream_id, stream_position, type, data, metadata) VALUES ($1, 3, 'ApssSubscriptionPurchased', $2, $3)`,
          [
            stream,
            { partnerId: 'p2', tenantId: 't9', subscriptionId: 's9', subscriptionName: 'theirs' },
            { actor: { id: 'bob', role: 'AdminAgent' }, at: '2021-01-02T00:00:00.000Z', schemaVersion: 2 },
          ],
        );
      const command = cancel('s9', { partnerId: 'p1', at: '2021-01-03T00:00:00Z' });
      for (const options of [{}, { cache: false as const }]) {
        const result = await handleCommand(open({ table: 'foreign', snapshotEvery: 2 }), command, options);
        expect(E.isLeft(result) && result.left).toEqual({
          code: 'PARTNER_MISMATCH',
          message: `stream ${stream} holds an event of partner p2 at position 3: another partner's events are never applied to this one's state`,
        });
      }
      expect(
        (await schema.admin().query(`SELECT count(*)::int AS n FROM "${schema.name}".foreign`)).rows,
      ).toEqual([{ n: 3 }]);
    });

    it("given a snapshots table that is another store's events table, then a cold command rejects naming options.snapshotTable, not with the database's error", async () => {
      const other = open({ table: 'taken' });
      await handleCommand(other, createTenant('t1', 's1', { partnerId: 'p9', at: '2021-01-01T00:00:00Z' }));
      const store = open({ table: 'mine', snapshotTable: 'taken', snapshotEvery: 1 });
      await expect(
        handleCommand(store, createTenant('t1', 's1', { partnerId: 'p1', at: '2021-01-01T00:00:00Z' })),
      ).rejects.toMatchObject({ name: 'EventStoreRequestError', details: ['options.snapshotTable'] });
    });
  });
});
