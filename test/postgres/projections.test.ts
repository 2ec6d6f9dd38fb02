import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EventStoreRequestError,
  invoice,
  overview,
  project,
  reconciliation,
  type DomainEvent,
} from 'apss-domain';
import {
  LogReplacedError,
  PostgresEventStore,
  PostgresProjectionRunner,
  StoredViewError,
} from 'apss-domain/postgres';
import { anyEvent, validHistory } from 'apss-domain/testing';
import { anyLog, onboarded, tenantCreated, usageRecorded } from '../builders.js';
import { eventually, isolatedSchema, whenPostgres } from './support.js';

await whenPostgres('PostgreSQL projection runner tests', () => {
  describe('PostgresProjectionRunner: the views kept in PostgreSQL, with their checkpoint', () => {
    const schema = isolatedSchema('views');
    const pool = new pg.Pool({ max: 4 });
    pool.on('error', () => undefined);
    const stores: PostgresEventStore[] = [];
    let tables = 0;
    /** A store on a table of its own, and a runner factory on view tables of their own. */
    const fresh = (batchSize = 1_000) => {
      tables += 1;
      const store = new PostgresEventStore({ pool, schema: schema.name, table: `events_${tables}` });
      stores.push(store);
      const prefix = `views_${tables}`;
      const runner = (size = batchSize) =>
        new PostgresProjectionRunner({ store, pool, schema: schema.name, prefix, batchSize: size });
      return { store, runner, prefix };
    };
    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await pool.end();
    });

    /** Appends each event on its partner's stream, in order: the global order is the log's. */
    const append = async (store: PostgresEventStore, events: readonly DomainEvent[]): Promise<void> => {
      for (const event of events)
        await store.appendToStream(`partner-${event.data.partnerId}`, [event], { expectedVersion: 'any' });
    };
    const projected = (events: readonly DomainEvent[]) => ({
      overview: project(overview, events),
      reconciliation: project(reconciliation, events),
      invoice: project(invoice, events),
    });
    const stored = async (runner: PostgresProjectionRunner) => {
      const { overview: o, reconciliation: r, invoice: i } = await runner.views();
      return { overview: o, reconciliation: r, invoice: i };
    };
    const lastPosition = async (store: PostgresEventStore): Promise<bigint> => {
      let last = 0n;
      for await (const { globalPosition } of store.readAll()) last = globalPosition;
      return last;
    };

    const log = [
      ...onboarded(),
      usageRecorded({ usageId: 'u-1', quantity: 0.1, unitPrice: 0.2 }),
      usageRecorded({ usageId: 'u-2', quantity: 0.2, unitPrice: 0.1 }),
      usageRecorded({ usageId: 'u-1', quantity: 0.1, unitPrice: 0.2 }),
      usageRecorded({ usageId: 'u-3', usageDate: '2024-04-01' }),
    ];

    it('given a log, when the runner catches up, then the stored views equal project and the checkpoint is the last position', async () => {
      const { store, runner } = fresh(2);
      await append(store, log);
      const first = runner();
      expect(await first.catchUp()).toEqual({ checkpoint: await lastPosition(store), events: log.length });
      expect(await stored(first)).toEqual(projected(log));
      expect((await first.views()).checkpoint).toBe(await lastPosition(store));
      expect(await first.catchUp()).toEqual({ checkpoint: await lastPosition(store), events: 0 });
    });

    it('given a server that writes doubles to 15 digits (extra_float_digits = 0), then the quantities read back are the doubles written', async () => {
      const { store, prefix } = fresh();
      const rounding = new pg.Pool({ max: 1, options: '-c extra_float_digits=0' });
      try {
        const doubles = [
          ...onboarded(),
          usageRecorded({ usageId: 'u-1', quantity: 0.1 + 0.2, unitPrice: 3 }),
        ];
        await append(store, doubles);
        const runner = new PostgresProjectionRunner({ store, pool: rounding, schema: schema.name, prefix });
        await runner.catchUp();
        expect((await runner.views()).reconciliation[0]).toMatchObject({ quantity: 0.30000000000000004 });
        expect(await stored(runner)).toEqual(projected(doubles));
      } finally {
        await rounding.end();
      }
    });

    it('given the views read back, then they are frozen as the views project gives are', async () => {
      const { store, runner } = fresh();
      await append(store, log);
      const first = runner();
      await first.catchUp();
      const views = await first.views();
      expect(() => (views.overview as Map<string, unknown>).set('p9', {})).toThrow(TypeError);
      expect(Object.isFrozen(views.overview.get('p1')?.subscriptions[0])).toBe(true);
      expect(Object.isFrozen(views.reconciliation) && Object.isFrozen(views.reconciliation[0])).toBe(true);
      expect(Object.isFrozen(views.invoice) && Object.isFrozen(views)).toBe(true);
    });

    it('given more lines than fit in one digit, then the stored lines keep the log order', async () => {
      const { store, runner } = fresh(7);
      const many = [
        ...onboarded(),
        ...Array.from({ length: 25 }, (_, i) => usageRecorded({ usageId: `u-${i}` })),
      ];
      await append(store, many);
      await runner().catchUp();
      expect(await stored(runner())).toEqual(projected(many));
    });

    it('given a runner stopped after k events, when a new runner goes on, then no event is lost or repeated', async () => {
      const { store, runner } = fresh(2);
      const k = 4;
      await append(store, log.slice(0, k));
      expect((await runner().catchUp()).events).toBe(k);
      await append(store, log.slice(k));
      const second = runner(3);
      expect((await second.catchUp()).events).toBe(log.length - k);
      expect(await stored(second)).toEqual(projected(log));
    });

    it('given run() following the store, when events arrive and it is stopped, then a new runner finds nothing left to do', async () => {
      const { store, runner } = fresh(1);
      const stop = new AbortController();
      const first = runner();
      const running = first.run({ signal: stop.signal, pollMs: 20 });
      await append(store, log.slice(0, 3));
      await append(store, log.slice(3));
      const last = await lastPosition(store);
      await eventually(
        async () => ((await first.checkpoint()) === last ? true : undefined),
        'the runner to catch up',
      );
      stop.abort();
      await running;
      const second = runner();
      expect(await second.catchUp()).toEqual({ checkpoint: last, events: 0 });
      expect(await stored(second)).toEqual(projected(log));
    });

    it('given a batch whose view rows the database refuses, then nothing of that batch is visible, and the runner goes on once they are accepted', async () => {
      const { store, runner, prefix } = fresh(100);
      const table = `"${schema.name}"."${prefix}_reconciliation"`;
      const first = runner();
      await append(store, log.slice(0, 3));
      await first.catchUp();
      const before = await first.views();
      await schema
        .admin()
        .query(`ALTER TABLE ${table} ADD CONSTRAINT no_poison CHECK (usage_id <> 'poison')`);
      const poisoned = [usageRecorded({ usageId: 'u-9' }), usageRecorded({ usageId: 'poison' })];
      await append(store, poisoned);
      await expect(first.catchUp()).rejects.toThrow(/no_poison/);
      expect(await first.views()).toEqual(before);
      await schema.admin().query(`ALTER TABLE ${table} DROP CONSTRAINT no_poison`);
      expect((await first.catchUp()).events).toBe(poisoned.length);
      expect(await stored(first)).toEqual(projected([...log.slice(0, 3), ...poisoned]));
    });

    it('given views written over, when rebuilt, then they equal a fresh runner’s, in one call', async () => {
      const { store, runner, prefix } = fresh(2);
      await append(store, log);
      const first = runner();
      await first.catchUp();
      await schema.admin().query(`UPDATE "${schema.name}"."${prefix}_invoice" SET total = 1`);
      expect(await first.rebuild()).toEqual({ checkpoint: await lastPosition(store), events: log.length });
      expect(await stored(first)).toEqual(projected(log));
      expect(await stored(runner())).toEqual(projected(log));
    });

    it('given views built from one log, when the runner follows a log that holds another event at the checkpoint, or none, then it refuses with LogReplacedError until rebuilt', async () => {
      const { store, runner, prefix } = fresh(2);
      await append(store, log);
      await runner().catchUp();
      const before = await runner().views();
      // The log as it is after a reset: the same tables of views, a store holding other events from position 1.
      const replaced = fresh().store;
      const onViews = () =>
        new PostgresProjectionRunner({ store: replaced, pool, schema: schema.name, prefix, batchSize: 2 });
      const other = [
        ...onboarded(),
        ...['x-1', 'x-2', 'x-3', 'x-4', 'x-5'].map((usageId) => usageRecorded({ usageId })),
      ];
      await append(replaced, other.slice(0, 3));
      await expect(onViews().catchUp()).rejects.toBeInstanceOf(LogReplacedError);
      await append(replaced, other.slice(3));
      expect(other.length).toBeGreaterThan(log.length);
      const refused = onViews().catchUp();
      await expect(refused).rejects.toBeInstanceOf(LogReplacedError);
      await expect(refused).rejects.toThrow(/_checkpoint".*global position \d+.*rebuild\(\)/);
      expect(await onViews().views()).toEqual(before);
      const runnerOnViews = onViews();
      expect(await runnerOnViews.rebuild()).toEqual({
        checkpoint: await lastPosition(replaced),
        events: other.length,
      });
      expect(await stored(runnerOnViews)).toEqual(projected(other));
    });

    it('given a checkpoint kept by an earlier version (no digest of its event), then the runner goes on from it and checks the log from then on', async () => {
      const { store, runner, prefix } = fresh(2);
      await append(store, log.slice(0, 4));
      await runner().catchUp();
      await schema
        .admin()
        .query(`ALTER TABLE "${schema.name}"."${prefix}_checkpoint" DROP COLUMN last_event`);
      await append(store, log.slice(4));
      expect((await runner().catchUp()).events).toBe(log.length - 4);
      expect(await stored(runner())).toEqual(projected(log));
      const { rows } = await schema
        .admin()
        .query<{ last_event: string }>(`SELECT last_event FROM "${schema.name}"."${prefix}_checkpoint"`);
      expect(rows[0]?.last_event).toMatch(/^\d+:[0-9a-f]{64}$/);
      const checkpoint = `"${schema.name}"."${prefix}_checkpoint"`;
      // A runner of an earlier version moves the checkpoint and leaves the digest of the event it was at.
      await append(store, [usageRecorded({ usageId: 'u-later' })]);
      await runner().catchUp();
      await schema.admin().query(`UPDATE ${checkpoint} SET last_event = $1`, [rows[0]?.last_event]);
      expect((await runner().catchUp()).events).toBe(0);
      // A digest alone, as the version before wrote it.
      await schema.admin().query(`UPDATE ${checkpoint} SET last_event = repeat('a', 64)`);
      expect((await runner().catchUp()).events).toBe(0);
      expect(await runner().checkpoint()).toBe(await lastPosition(store));
      await schema
        .admin()
        .query(`UPDATE ${checkpoint} SET last_event = position::text || ':' || repeat('0', 64)`);
      await expect(runner().catchUp()).rejects.toBeInstanceOf(LogReplacedError);
    });

    /**
     * A runner that caught up with `before`, left behind while its store's log was swapped for
     * `after` (as a reset or a restore does) and another runner rebuilt the same views from it.
     */
    const behindARebuild = async (before: readonly DomainEvent[], after: readonly DomainEvent[]) => {
      const { store: first, prefix } = fresh();
      const second = fresh().store;
      await append(first, before);
      await append(second, after);
      const log = { current: first };
      const store = { readAll: (options?: { after?: bigint }) => log.current.readAll(options) };
      const onViews = () => new PostgresProjectionRunner({ store, pool, schema: schema.name, prefix });
      const behind = onViews();
      await behind.catchUp();
      log.current = second;
      await onViews().rebuild();
      return { behind, second, onViews };
    };

    it('given a runner behind views another rebuilt from a replaced log holding the same event at the checkpoint, then its batch does not land on them: it loads them again and they equal project', async () => {
      const same = usageRecorded({ usageId: 'u-1' });
      const after = [tenantCreated('t2'), same];
      const { behind, second, onViews } = await behindARebuild([tenantCreated('t1'), same], after);
      const next = usageRecorded({ usageId: 'u-2' });
      await append(second, [next]);
      expect(await behind.catchUp()).toEqual({ checkpoint: await lastPosition(second), events: 1 });
      expect(await stored(onViews())).toEqual(projected([...after, next]));
    });

    it('given a runner behind views another rebuilt from a replaced log, then it loads them again and goes on, with no LogReplacedError', async () => {
      const other = [...onboarded(), usageRecorded({ usageId: 'x-1' })];
      const { behind, second } = await behindARebuild(log.slice(0, 3), other);
      expect(await behind.catchUp()).toEqual({ checkpoint: await lastPosition(second), events: 0 });
      expect(await stored(behind)).toEqual(projected(other));
    });

    it('given a reader whose snapshot was taken before a rebuild, when it reads the views, then it sees them whole, as they were', async () => {
      const { store, runner, prefix } = fresh();
      await append(store, log);
      await runner().catchUp();
      const reader = await pool.connect();
      try {
        await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await reader.query('SELECT 1');
        await runner().rebuild();
        const counts = await reader.query<{ overview: string; invoice: string; lines: string }>(
          `SELECT (SELECT count(*) FROM "${schema.name}"."${prefix}_overview") AS overview,
            (SELECT count(*) FROM "${schema.name}"."${prefix}_invoice") AS invoice,
            (SELECT count(*) FROM "${schema.name}"."${prefix}_reconciliation") AS lines`,
        );
        await reader.query('COMMIT');
        const views = projected(log);
        expect(counts.rows[0]).toEqual({
          overview: String(views.overview.size),
          invoice: String(views.invoice.length),
          lines: String(views.reconciliation.length),
        });
      } finally {
        reader.release();
      }
    });

    it('given a rebuild while another runner holds a batch open, then the rebuild waits for that batch and the views equal project', async () => {
      const { store, runner, prefix } = fresh();
      const usage = (n: number) => usageRecorded({ usageId: `held-${n}` });
      const before = [...onboarded(), usage(1), usage(2), usage(3)];
      const held = [usage(4), usage(5), usage(6)];
      await append(store, before);
      // The other runner's pool: once armed, its next COMMIT of a batch that wrote lines waits for a gate.
      const gated = new pg.Pool({ max: 2 });
      gated.on('error', () => undefined);
      let armed = false;
      let reached: () => void = () => undefined;
      let release: () => void = () => undefined;
      const atCommit = new Promise<void>((resolve) => (reached = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      gated.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        let wroteLines = false;
        (client as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : '';
          if (armed && text.includes(`${prefix}_reconciliation`) && text.startsWith('INSERT'))
            wroteLines = true;
          if (armed && wroteLines && text === 'COMMIT') {
            armed = false;
            reached();
            await gate;
          }
          return query(...args);
        };
      });
      try {
        const other = new PostgresProjectionRunner({ store, pool: gated, schema: schema.name, prefix });
        await other.catchUp();
        // Ready before the race: making its tables would wait for the batch on its own.
        const rebuilding = runner();
        await rebuilding.checkpoint();
        await append(store, held);
        armed = true;
        const batch = other.catchUp();
        await atCommit;
        const rebuilt = rebuilding.rebuild();
        await eventually(async () => {
          const { rows } = await schema
            .admin()
            .query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%${prefix}_checkpoint%'`,
            );
          return rows.length > 0 ? true : undefined;
        }, 'the rebuild to wait for the batch');
        release();
        await batch;
        await rebuilt;
        expect(await stored(runner())).toEqual(projected([...before, ...held]));
        expect(await runner().catchUp()).toEqual({ checkpoint: await lastPosition(store), events: 0 });
      } finally {
        release();
        await gated.end();
      }
    });

    it('given a store and a runner making their tables at once in a new schema, then both succeed', async () => {
      for (let round = 0; round < 5; round++) {
        const name = `${schema.name}_ddl${round}`;
        const pools = [new pg.Pool({ max: 1 }), new pg.Pool({ max: 1 })];
        const store = new PostgresEventStore({ pool: pools[0] as pg.Pool, schema: name });
        try {
          const runner = new PostgresProjectionRunner({ store, pool: pools[1] as pg.Pool, schema: name });
          await Promise.all([store.ensureSchema(), runner.checkpoint()]);
        } finally {
          await store.close();
          await Promise.all(pools.map((each) => each.end()));
          await schema.admin().query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
        }
      }
    });

    it('given two runners on the same tables at once, then each event is in the views once', async () => {
      const { store, runner } = fresh(1);
      await append(store, log);
      await Promise.all([runner().catchUp(), runner().catchUp()]);
      expect(await stored(runner())).toEqual(projected(log));
    });

    it('given a row written over with something that is not a line, then reading the views names the row', async () => {
      const { store, runner, prefix } = fresh();
      await append(store, log);
      const first = runner();
      await first.catchUp();
      await schema
        .admin()
        .query(
          `UPDATE "${schema.name}"."${prefix}_reconciliation" SET usage_date = 'yesterday' WHERE line = 1`,
        );
      const read = first.views();
      await expect(read).rejects.toThrow(StoredViewError);
      await expect(read).rejects.toThrow(/_reconciliation", line 1: usageDate/);
    });

    it('given options it cannot use, then the constructor does not throw and every call names the field', async () => {
      const bad = new PostgresProjectionRunner({
        store: fresh().store,
        pool,
        prefix: 'Views',
        batchSize: 0,
      });
      const refused = bad.catchUp();
      await expect(refused).rejects.toThrow(EventStoreRequestError);
      await expect(refused).rejects.toThrow(
        /options\.prefix.*options\.batchSize|options\.batchSize.*options\.prefix/,
      );
      await expect(bad.views()).rejects.toThrow(/options\.prefix/);
    });

    it('property: for arbitrary logs cut anywhere, a runner and then a new one store the views project gives', async () => {
      const logs = fc.oneof(
        anyLog(30),
        fc.array(validHistory(), { maxLength: 3 }).map((histories) => histories.flat()),
        fc.array(anyEvent(), { maxLength: 20 }),
      );
      await fc.assert(
        fc.asyncProperty(logs, fc.nat(), fc.integer({ min: 1, max: 7 }), async (events, cut, batchSize) => {
          const at = events.length === 0 ? 0 : cut % (events.length + 1);
          const { store, runner } = fresh(batchSize);
          await append(store, events.slice(0, at));
          await runner().catchUp();
          await append(store, events.slice(at));
          const second = runner();
          await second.catchUp();
          expect(await stored(second)).toEqual(projected(events));
        }),
        { numRuns: 8 },
      );
    });
  });
});
