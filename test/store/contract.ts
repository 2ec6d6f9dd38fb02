import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  EventStoreRequestError,
  type DomainEvent,
  type EventStore,
  type ExpectedVersion,
  type StoredEvent,
} from 'apss-domain';
import { collect, minute, purchased, tenantCreated, usageEvents, usageRecorded } from '../builders.js';

export type ContractOptions = {
  /** An empty store, new for each test. */
  readonly open: () => Promise<EventStore>;
  /** The store's read page size, so that reads are checked across page boundaries (none: it does not page). */
  readonly pageSize?: number;
  /** Runs of the model property (fewer for a store over the network). */
  readonly runs?: number;
};

const appendRejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'appended',
    (error: unknown) => error,
  );

const summary = (stored: readonly StoredEvent[]) =>
  stored.map((s) => ({ streamId: s.streamId, streamPosition: s.streamPosition, event: s.event }));

/** What every EventStore promises, run against each store. */
export function eventStoreContract(name: string, { open, pageSize = 3, runs = 40 }: ContractOptions): void {
  describe(`${name} keeps the EventStore contract`, () => {
    describe('empty stream', () => {
      it('given a new store, when reading a stream or the whole log, then nothing comes back', async () => {
        const store = await open();
        expect(await collect(store.readStream('partner-nobody'))).toEqual([]);
        expect(await collect(store.readAll())).toEqual([]);
      });
    });

    describe('expected versions', () => {
      it('no_stream on a new stream: its events get positions 1..n and the version is n', async () => {
        const store = await open();
        const events = [
          tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) }),
          purchased('sub-1', 'tenant-1', { partnerId: 'p1', at: minute(1) }),
        ];
        expect(await store.appendToStream('partner-p1', events, { expectedVersion: 'no_stream' })).toEqual({
          nextVersion: 2,
        });
        const stored = await collect(store.readStream('partner-p1'));
        expect(stored.map((s) => [s.streamId, s.streamPosition])).toEqual([
          ['partner-p1', 1],
          ['partner-p1', 2],
        ]);
        expect(stored.map((s) => s.event)).toEqual(events);
      });

      it('version 0 means the same as no_stream', async () => {
        const store = await open();
        await store.appendToStream('s', [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })], {
          expectedVersion: 0,
        });
        await expect(
          store.appendToStream('s', [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })], {
            expectedVersion: 0,
          }),
        ).rejects.toThrow(ConcurrencyError);
        expect(await collect(store.readStream('s'))).toHaveLength(1);
      });

      it('no_stream on a stream with events is a ConcurrencyError and writes nothing', async () => {
        const store = await open();
        await store.appendToStream('s', [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })], {
          expectedVersion: 'no_stream',
        });
        const error = await appendRejection(
          store.appendToStream('s', [purchased('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(1) })], {
            expectedVersion: 'no_stream',
          }),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: 's', expectedVersion: 'no_stream', actualVersion: 1 });
        expect(await collect(store.readStream('s'))).toHaveLength(1);
      });

      it('the exact version appends after that many events', async () => {
        const store = await open();
        await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' });
        expect(await store.appendToStream('s', usageEvents('p1', 3, 'v'), { expectedVersion: 2 })).toEqual({
          nextVersion: 5,
        });
        const positions = (await collect(store.readStream('s'))).map((s) => s.streamPosition);
        expect(positions).toEqual([1, 2, 3, 4, 5]);
      });

      it('a version behind the stream (someone appended since) is a ConcurrencyError naming both versions', async () => {
        const store = await open();
        await store.appendToStream('s', usageEvents('p1', 3), { expectedVersion: 'no_stream' });
        const error = await appendRejection(
          store.appendToStream('s', usageEvents('p1', 1, 'x'), { expectedVersion: 2 }),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ expectedVersion: 2, actualVersion: 3 });
        expect((error as Error).message).toBe('stream s is at version 3, expected version 2');
        expect(await collect(store.readStream('s'))).toHaveLength(3);
      });

      it('a version ahead of the stream is a ConcurrencyError too: no gap is ever left in a stream', async () => {
        const store = await open();
        await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
        const error = await appendRejection(
          store.appendToStream('s', usageEvents('p1', 1, 'x'), { expectedVersion: 4 }),
        );
        expect(error).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 4, actualVersion: 1 });
        const ahead = await appendRejection(
          store.appendToStream('new', usageEvents('p1', 1), { expectedVersion: 1 }),
        );
        expect(ahead).toMatchObject({ name: 'ConcurrencyError', actualVersion: 0 });
        expect(await collect(store.readAll())).toHaveLength(1);
      });

      it("'any' appends at the end whatever the version, to a new stream or an old one", async () => {
        const store = await open();
        expect(await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'any' })).toEqual({
          nextVersion: 2,
        });
        expect(
          await store.appendToStream('s', usageEvents('p1', 1, 'x'), { expectedVersion: 'any' }),
        ).toEqual({
          nextVersion: 3,
        });
      });

      it('an empty append writes nothing, checks the version and returns the current one', async () => {
        const store = await open();
        expect(await store.appendToStream('s', [], { expectedVersion: 'no_stream' })).toEqual({
          nextVersion: 0,
        });
        await store.appendToStream('s', usageEvents('p1', 2), { expectedVersion: 'no_stream' });
        expect(await store.appendToStream('s', [], { expectedVersion: 2 })).toEqual({ nextVersion: 2 });
        expect(await store.appendToStream('s', [], { expectedVersion: 'any' })).toEqual({ nextVersion: 2 });
        await expect(store.appendToStream('s', [], { expectedVersion: 1 })).rejects.toThrow(ConcurrencyError);
        expect(await collect(store.readAll())).toHaveLength(2);
      });
    });

    describe('conflicts', () => {
      it('of five appends racing with the same expected version exactly one is written', async () => {
        const store = await open();
        await store.appendToStream('s', usageEvents('p1', 1), { expectedVersion: 'no_stream' });
        const outcomes = await Promise.all(
          [1, 2, 3, 4, 5].map((n) =>
            appendRejection(store.appendToStream('s', usageEvents('p1', 2, `r${n}`), { expectedVersion: 1 })),
          ),
        );
        expect(outcomes.filter((o) => o === 'appended')).toHaveLength(1);
        expect(outcomes.filter((o) => o instanceof ConcurrencyError)).toHaveLength(4);
        const stored = await collect(store.readStream('s'));
        expect(stored.map((s) => s.streamPosition)).toEqual([1, 2, 3]);
        expect(
          new Set(stored.slice(1).map((s) => (s.event.data as { usageId: string }).usageId.split('-')[0]))
            .size,
        ).toBe(1);
      });
    });

    describe('ordering', () => {
      it('the log reads in append order across streams, global positions strictly increasing', async () => {
        const store = await open();
        await store.appendToStream('a', [tenantCreated('tenant-1', { partnerId: 'pa', at: minute(0) })], {
          expectedVersion: 'no_stream',
        });
        await store.appendToStream('b', usageEvents('pb', 2), { expectedVersion: 'no_stream' });
        await store.appendToStream(
          'a',
          [purchased('sub-1', 'tenant-1', { partnerId: 'pa', at: minute(1) })],
          { expectedVersion: 1 },
        );
        const all = await collect(store.readAll());
        expect(all.map((s) => [s.streamId, s.streamPosition])).toEqual([
          ['a', 1],
          ['b', 1],
          ['b', 2],
          ['a', 2],
        ]);
        for (let i = 1; i < all.length; i++)
          expect((all[i] as StoredEvent).globalPosition).toBeGreaterThan(
            (all[i - 1] as StoredEvent).globalPosition,
          );
        expect(typeof all[0]?.globalPosition).toBe('bigint');
      });

      it('stream ids and event fields are data, whatever they spell', async () => {
        const store = await open();
        const partnerId = `o'brien\\"; DROP TABLE events; --`;
        const streamId = `partner-${partnerId}`;
        const events = [
          tenantCreated(`t'); DELETE FROM x; --`, { partnerId, at: minute(0) }),
          usageRecorded({
            partnerId,
            subscriptionId: `$1 '' \\' ü 😀`,
            usageId: 'u1',
            at: minute(2),
            usageDate: '2020-01-01',
          }),
        ];
        await store.appendToStream(streamId, events, { expectedVersion: 'no_stream' });
        expect((await collect(store.readStream(streamId))).map((s) => s.event)).toEqual(events);
        expect((await collect(store.readAll())).map((s) => s.streamId)).toEqual([streamId, streamId]);
      });

      it('events come back decoded: old schema versions lifted, instants in UTC', async () => {
        const store = await open();
        const old = {
          type: 'ApssSubscriptionPurchased',
          data: { partnerId: 'p1', tenantId: 't1', subscriptionId: 'sub-1' },
          metadata: { actor: { id: 'bob', role: 'SalesAgent' }, at: '2020-01-01T02:00:00+02:00' },
        } as unknown as DomainEvent;
        await store.appendToStream('s', [old], { expectedVersion: 'no_stream' });
        const [stored] = await collect(store.readStream('s'));
        expect(stored?.event).toEqual({
          type: 'ApssSubscriptionPurchased',
          data: {
            partnerId: 'p1',
            tenantId: 't1',
            subscriptionId: 'sub-1',
            subscriptionName: 'Azure - Internal/Shared Services',
          },
          metadata: {
            actor: { id: 'bob', role: 'SalesAgent' },
            at: '2020-01-01T00:00:00.000Z',
            schemaVersion: 2,
          },
        });
      });
    });

    describe('paging', () => {
      const lengths = [pageSize - 1, pageSize, pageSize + 1, 2 * pageSize, 2 * pageSize + 1].filter(
        (n) => n > 0,
      );
      it.each(lengths)(
        'a stream of %i events reads whole and in order across page boundaries',
        async (length) => {
          const store = await open();
          const events = usageEvents('p1', length);
          await store.appendToStream('s', events.slice(0, 1), { expectedVersion: 'no_stream' });
          await store.appendToStream('s', events.slice(1), { expectedVersion: 1 });
          await store.appendToStream('other', usageEvents('p2', 2), { expectedVersion: 'no_stream' });
          const stored = await collect(store.readStream('s'));
          expect(stored.map((s) => s.streamPosition)).toEqual(events.map((_, i) => i + 1));
          expect(stored.map((s) => s.event)).toEqual(events);
          const all = await collect(store.readAll());
          expect(all).toHaveLength(length + 2);
          expect(all.slice(0, length).map((s) => s.event)).toEqual(events);
        },
      );

      it('a reader that stops early stops without error', async () => {
        const store = await open();
        await store.appendToStream('s', usageEvents('p1', 3 * pageSize), { expectedVersion: 'no_stream' });
        const seen: number[] = [];
        for await (const stored of store.readAll()) {
          seen.push(stored.streamPosition);
          if (seen.length === pageSize + 1) break;
        }
        expect(seen).toHaveLength(pageSize + 1);
      });
    });

    describe('reading after a position', () => {
      it('readAll after a global position yields exactly the events after it', async () => {
        const store = await open();
        await store.appendToStream('a', usageEvents('pa', 2 * pageSize + 1), {
          expectedVersion: 'no_stream',
        });
        await store.appendToStream('b', usageEvents('pb', 2), { expectedVersion: 'no_stream' });
        const all = await collect(store.readAll());
        for (const cut of [0, 1, pageSize, all.length - 1]) {
          const after = (all[cut] as StoredEvent).globalPosition;
          expect(summary(await collect(store.readAll({ after })))).toEqual(summary(all.slice(cut + 1)));
        }
        expect(await collect(store.readAll({ after: 0n }))).toHaveLength(all.length);
        const last = (all[all.length - 1] as StoredEvent).globalPosition;
        expect(await collect(store.readAll({ after: last + 1000n }))).toEqual([]);
      });

      it('readStream after a version yields the tail: the events appended since that version', async () => {
        const store = await open();
        const events = usageEvents('p1', 2 * pageSize + 2);
        await store.appendToStream('s', events, { expectedVersion: 'no_stream' });
        const tail = await collect(store.readStream('s', { after: pageSize + 1 }));
        expect(tail.map((s) => s.streamPosition)).toEqual(
          events.slice(pageSize + 1).map((_, i) => pageSize + 2 + i),
        );
        expect(await collect(store.readStream('s', { after: events.length }))).toEqual([]);
      });
    });

    describe('bad calls', () => {
      const refusal = async (promise: Promise<unknown>): Promise<EventStoreRequestError> => {
        const error = await appendRejection(promise);
        expect(error).toBeInstanceOf(EventStoreRequestError);
        return error as EventStoreRequestError;
      };

      it('an append of a malformed event is refused naming the event and its fields, and writes nothing', async () => {
        const store = await open();
        const bad = {
          ...usageRecorded({
            partnerId: 'p1',
            subscriptionId: 'sub-1',
            usageId: 'u1',
            at: minute(2),
            usageDate: '2020-01-01',
          }),
          data: { partnerId: 'p1' },
        } as unknown as DomainEvent;
        const error = await refusal(
          store.appendToStream(
            's',
            [
              usageRecorded({
                partnerId: 'p1',
                subscriptionId: 'sub-1',
                usageId: 'u0',
                at: minute(2),
                usageDate: '2020-01-01',
              }),
              bad,
            ],
            { expectedVersion: 'any' },
          ),
        );
        expect(error.details).toContain('events.1.data.usageId');
        expect(error.message).toMatch(
          /^invalid appendToStream: events\.1 is a malformed event: .*data\.usageId is required/,
        );
        expect(await collect(store.readAll())).toEqual([]);
      });

      it("an append of another partner's event to a partner's stream is refused naming it, and writes nothing (R1)", async () => {
        const store = await open();
        const error = await refusal(
          store.appendToStream(
            'partner-p1',
            [tenantCreated('t1', { partnerId: 'p1' }), purchased('s9', 't9', { partnerId: 'p2' })],
            { expectedVersion: 'any' },
          ),
        );
        expect(error.details).toEqual(['events.1.data.partnerId']);
        expect(error.message).toContain('is "p2", and stream partner-p1 holds the events of partner p1 only');
        expect(await collect(store.readAll())).toEqual([]);
      });

      it.each([
        ['streamId', ['', [], { expectedVersion: 'any' }]],
        ['streamId', [42, [], { expectedVersion: 'any' }]],
        ['streamId', ['partner-\ud800', [], { expectedVersion: 'any' }]],
        ['events', ['s', 'not events', { expectedVersion: 'any' }]],
        ['options', ['s', [], undefined]],
        ['options.expectedVersion', ['s', [], { expectedVersion: -1 }]],
        ['options.expectedVersion', ['s', [], { expectedVersion: 1.5 }]],
        ['options.expectedVersion', ['s', [], { expectedVersion: 'latest' }]],
      ])('an append with a bad %s is refused naming it', async (field, args) => {
        const store = await open();
        const append = store.appendToStream.bind(store) as (...a: unknown[]) => Promise<unknown>;
        const error = await refusal(append(...(args as unknown[])));
        expect(error.details).toContain(field);
        expect(await collect(store.readAll())).toEqual([]);
      });

      it('reads with bad arguments are refused naming the field', async () => {
        const store = await open();
        const readStream = store.readStream.bind(store) as (...a: unknown[]) => AsyncIterable<unknown>;
        const readAll = store.readAll.bind(store) as (...a: unknown[]) => AsyncIterable<unknown>;
        expect((await refusal(collect(readStream('\u0000')))).details).toEqual(['streamId']);
        expect((await refusal(collect(readStream('s', { after: -1 })))).details).toEqual(['options.after']);
        expect((await refusal(collect(readAll({ after: 5 })))).details).toEqual(['options.after']);
        expect((await refusal(collect(readAll({ after: -1n })))).details).toEqual(['options.after']);
        // Past the last position a store counts (PostgreSQL's bigint), once the log exists.
        await store.appendToStream('s', [], { expectedVersion: 'any' });
        expect((await refusal(collect(readAll({ after: 2n ** 63n })))).details).toEqual(['options.after']);
      });
    });

    describe('against a model', () => {
      type Step = { stream: number; count: number; expect: 'exact' | 'stale' | 'no_stream' | 'any' };
      const step: fc.Arbitrary<Step> = fc.record({
        stream: fc.integer({ min: 0, max: 2 }),
        count: fc.integer({ min: 0, max: pageSize + 1 }),
        expect: fc.constantFrom('exact', 'stale', 'no_stream', 'any'),
      });

      it('any sequence of appends leaves each stream and the log exactly as a list model says', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps) => {
            const store = await open();
            const model: DomainEvent[][] = [[], [], []];
            const log: [number, DomainEvent][] = [];
            let serial = 0;
            for (const { stream, count, expect: how } of steps) {
              const current = model[stream] as DomainEvent[];
              const expectedVersion: ExpectedVersion =
                how === 'exact' ? current.length : how === 'stale' ? current.length + 1 : how;
              const events = Array.from({ length: count }, () =>
                usageRecorded({
                  partnerId: `p${stream}`,
                  subscriptionId: 'sub-1',
                  usageId: `u${++serial}`,
                  at: minute(serial),
                  usageDate: '2020-01-01',
                }),
              );
              const outcome = await appendRejection(
                store.appendToStream(`s${stream}`, events, { expectedVersion }),
              );
              const conflict = how === 'stale' || (how === 'no_stream' && current.length > 0);
              if (conflict) expect(outcome).toBeInstanceOf(ConcurrencyError);
              else {
                expect(outcome).toBe('appended');
                current.push(...events);
                log.push(...events.map((e): [number, DomainEvent] => [stream, e]));
              }
            }
            for (const [stream, events] of model.entries())
              expect((await collect(store.readStream(`s${stream}`))).map((s) => s.event)).toEqual(events);
            const all = await collect(store.readAll());
            expect(all.map((s) => [Number(s.streamId.slice(1)), s.event])).toEqual(log);
          }),
          { numRuns: runs },
        );
      });
    });
  });
}
