import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  apssDecider,
  ConcurrencyError,
  evolve,
  fold,
  handle,
  handleCommand,
  InMemoryEventStore,
  rules2023,
  StateCache,
  type Decider,
  type DomainEvent,
  type EventStore,
  type PartnerState,
  type ReadStreamOptions,
} from 'apss-domain';
import {
  actorOf,
  cancel,
  collect,
  createTenant,
  history,
  minute,
  purchase,
  purchased,
  tenantCreated,
  usage,
  usageEvents,
} from '../builders.js';

/** A store that runs `before` ahead of each append (another writer racing this one) and counts reads. */
class Instrumented implements EventStore {
  appends = 0;
  eventsRead = 0;
  constructor(
    readonly inner: EventStore,
    readonly before: (attempt: number) => Promise<void> = async () => undefined,
  ) {}
  async *readStream(streamId: string, options?: ReadStreamOptions) {
    for await (const stored of this.inner.readStream(streamId, options)) {
      this.eventsRead += 1;
      yield stored;
    }
  }
  readAll() {
    return this.inner.readAll();
  }
  async appendToStream(...args: Parameters<EventStore['appendToStream']>) {
    await this.before(++this.appends);
    return this.inner.appendToStream(...args);
  }
}

/** The command most tests start from: p1's shared tenant, with its first subscription. */
const tenantOfP1 = () => createTenant('tenant-1', 'sub-1', { partnerId: 'p1', at: minute(10) });

const streamEvents = async (store: EventStore, streamId: string): Promise<DomainEvent[]> =>
  (await collect(store.readStream(streamId))).map((s) => s.event);

describe('handleCommand decides against the partner stream and appends', () => {
  it('given no events, when creating the shared tenant, then both events are recorded in partner-<id>', async () => {
    const store = new InMemoryEventStore();
    const result = await handleCommand(store, tenantOfP1());
    const expected = handle([], tenantOfP1());
    expect(result).toEqual(E.right({ events: E.isRight(expected) ? expected.right : [], nextVersion: 2 }));
    expect(await streamEvents(store, 'partner-p1')).toEqual(E.isRight(expected) ? expected.right : []);
  });

  it('given a shared tenant, when creating another, then TENANT_ALREADY_EXISTS comes back as a value and nothing is written', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, tenantOfP1());
    const again = await handleCommand(
      store,
      createTenant('tenant-2', 'sub-2', { partnerId: 'p1', at: minute(10) }),
    );
    expect(E.isLeft(again) && again.left.code).toBe('TENANT_ALREADY_EXISTS');
    expect(await collect(store.readAll())).toHaveLength(2);
  });

  it("given a stream written past the store's check with another partner's event, then PARTNER_MISMATCH says where, and that partner's subscription cannot be cancelled (R1)", async () => {
    const inner = new InMemoryEventStore();
    // Another program's table, read as p1's stream: the store's own check never saw the append.
    await inner.appendToStream(
      'written-elsewhere',
      [
        tenantCreated('t1', { partnerId: 'p1', at: minute(1) }),
        purchased('s1', 't1', { partnerId: 'p1', at: minute(1) }),
        purchased('s9', 't9', { partnerId: 'p2', at: minute(2) }),
      ],
      { expectedVersion: 'no_stream' },
    );
    const store: EventStore = {
      readStream: (streamId, options) =>
        inner.readStream(streamId === 'partner-p1' ? 'written-elsewhere' : streamId, options),
      readAll: (options) => inner.readAll(options),
      appendToStream: (...args) => inner.appendToStream(...args),
    };
    const result = await handleCommand(store, cancel('s9', { partnerId: 'p1', at: minute(3) }));
    expect(E.isLeft(result) && result.left).toEqual({
      code: 'PARTNER_MISMATCH',
      message:
        "stream partner-p1 holds an event of partner p2 at position 3: another partner's events are never applied to this one's state",
    });
    expect(await collect(inner.readAll())).toHaveLength(3);
  });

  it('given a malformed command, then INVALID_COMMAND names its fields and the store is not touched', async () => {
    const store = new Instrumented(new InMemoryEventStore());
    const result = await handleCommand(store, {
      type: 'PurchaseApss',
      data: { partnerId: 'p1' },
      metadata: {},
    });
    expect(E.isLeft(result) && result.left.code).toBe('INVALID_COMMAND');
    expect(E.isLeft(result) && result.left.details).toEqual(
      expect.arrayContaining(['data.tenantId', 'data.subscriptionId', 'metadata.actor', 'metadata.at']),
    );
    expect([store.appends, store.eventsRead]).toEqual([0, 0]);
  });

  it('given a partner id that no store can keep as a stream name, then INVALID_COMMAND names data.partnerId', async () => {
    const store = new InMemoryEventStore();
    const result = await handleCommand(
      store,
      createTenant('tenant-1', 'sub-1', { partnerId: 'p\ud800', at: minute(10) }),
    );
    expect(E.isLeft(result) && result.left).toMatchObject({
      code: 'INVALID_COMMAND',
      details: ['data.partnerId'],
    });
  });

  it('decides by the rules it is given: rules2023 refuses a GlobalAdmin', async () => {
    const store = new InMemoryEventStore();
    const command = {
      ...tenantOfP1(),
      metadata: { actor: { id: 'g', role: 'GlobalAdmin' }, at: minute(1) },
    };
    const result = await handleCommand(store, command, { rules: rules2023 });
    expect(E.isLeft(result) && result.left.code).toBe('ROLE_NOT_PERMITTED');
    expect(E.isRight(await handleCommand(store, command))).toBe(true);
  });

  it.each([
    [{ retries: -1 }, ['options.retries']],
    [{ retries: 2.5 }, ['options.retries']],
    [{ rules: { name: 'x' } }, ['options.rules']],
    [{ cache: new Map() }, ['options.cache']],
    [{ cache: new StateCache({ maxBytes: 0 }) }, ['options.cache']],
    [{ colour: 'blue' }, ['options.colour']],
    [{ rules: rules2023, decider: apssDecider() }, ['options.rules', 'options.decider']],
    [{ decider: { decide: () => E.right([]) } }, ['options.decider']],
    [{ decider: { ...apssDecider(), initialState: {} } }, ['options.decider']],
  ])('refuses bad options %j as INVALID_COMMAND naming %j, and writes nothing', async (options, fields) => {
    const store = new InMemoryEventStore();
    const result = await handleCommand(store, tenantOfP1(), options as never);
    expect(E.isLeft(result) && result.left).toMatchObject({ code: 'INVALID_COMMAND', details: fields });
    expect(await collect(store.readAll())).toEqual([]);
  });

  it('never throws and never rejects for any command, options or store value: bad input is a value', async () => {
    const store = new InMemoryEventStore();
    await fc.assert(
      fc.asyncProperty(
        fc.anything(),
        fc.option(fc.anything(), { nil: undefined }),
        async (command, options) => {
          const result = await handleCommand(store, command, options as never);
          expect(E.isLeft(result) || E.isRight(result)).toBe(true);
          const bogus = await handleCommand(command as never, tenantOfP1());
          expect(E.isLeft(bogus) && bogus.left.code).toBe('INVALID_COMMAND');
        },
      ),
      { numRuns: 300 },
    );
    expect(await collect(store.readAll())).toEqual([]);
  });
});

describe('handleCommand options of any prototype', () => {
  it('given a cache option that only inherits from StateCache (never constructed), then INVALID_COMMAND names options.cache and nothing is written', async () => {
    const store = new InMemoryEventStore();
    const result = await handleCommand(store, tenantOfP1(), {
      cache: Object.create(StateCache.prototype) as StateCache,
    });
    expect(E.isLeft(result) && result.left).toMatchObject({
      code: 'INVALID_COMMAND',
      details: ['options.cache'],
    });
    expect(await collect(store.readAll())).toEqual([]);
  });
});

describe('handleCommand under concurrency', () => {
  it('when another writer creates the tenant between our read and our append, then we decide again and get TENANT_ALREADY_EXISTS', async () => {
    const inner = new InMemoryEventStore();
    const store = new Instrumented(inner, async (attempt) => {
      if (attempt === 1)
        await inner.appendToStream(
          'partner-p1',
          [
            tenantCreated('theirs', { partnerId: 'p1', at: minute(0) }),
            purchased('sub-9', 'theirs', { partnerId: 'p1', at: minute(0) }),
          ],
          {
            expectedVersion: 'no_stream',
          },
        );
    });
    const result = await handleCommand(store, tenantOfP1(), { cache: false });
    expect(E.isLeft(result) && result.left.code).toBe('TENANT_ALREADY_EXISTS');
    expect(store.appends).toBe(1);
    expect((await streamEvents(inner, 'partner-p1')).map((e) => e.data)).toEqual([
      { partnerId: 'p1', tenantId: 'theirs' },
      expect.objectContaining({ subscriptionId: 'sub-9' }),
    ]);
  });

  it('when another writer purchased meanwhile, then our purchase is retried on top of theirs and both are kept', async () => {
    const inner = new InMemoryEventStore();
    await handleCommand(inner, tenantOfP1());
    const store = new Instrumented(inner, async (attempt) => {
      if (attempt === 1)
        await handleCommand(inner, purchase('sub-theirs', 'tenant-1', { partnerId: 'p1', at: minute(20) }));
    });
    const result = await handleCommand(
      store,
      purchase('sub-ours', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
    );
    expect(E.isRight(result) && result.right.nextVersion).toBe(4);
    expect(store.appends).toBe(2);
    const ids = (await streamEvents(inner, 'partner-p1')).map(
      (e) => (e.data as { subscriptionId?: string }).subscriptionId,
    );
    expect(ids).toEqual([undefined, 'sub-1', 'sub-theirs', 'sub-ours']);
  });

  it('when every attempt conflicts, then after `retries` retries the promise rejects with the ConcurrencyError and nothing is written', async () => {
    const inner = new InMemoryEventStore();
    let serial = 0;
    const store = new Instrumented(inner, async () => {
      serial += 1;
      await inner.appendToStream('partner-p1', usageEvents('p1', 1, `theirs${serial}`), {
        expectedVersion: 'any',
      });
    });
    await expect(
      handleCommand(store, tenantOfP1(), {
        retries: 2,
      }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(store.appends).toBe(3);
    expect((await streamEvents(inner, 'partner-p1')).map((e) => e.type)).toEqual(
      Array(3).fill('UsageRecorded'),
    );
  });

  it('with retries: 0, the first conflict rejects', async () => {
    const inner = new InMemoryEventStore();
    const store = new Instrumented(inner, async () => {
      await inner.appendToStream(
        'partner-p1',
        [tenantCreated('tenant-1', { partnerId: 'p1', at: minute(0) })],
        { expectedVersion: 'any' },
      );
    });
    await expect(
      handleCommand(store, tenantOfP1(), {
        retries: 0,
      }),
    ).rejects.toThrow('stream partner-p1 is at version 1, expected version 0');
    expect(store.appends).toBe(1);
  });

  it('many concurrent purchases on one partner in one process all land, none lost', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, tenantOfP1());
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        handleCommand(store, purchase(`s${i}`, 'tenant-1', { partnerId: 'p1', at: minute(20) }), {
          retries: 50,
        }),
      ),
    );
    expect(results.every(E.isRight)).toBe(true);
    expect(new Set(results.map((r) => E.isRight(r) && r.right.nextVersion)).size).toBe(30);
    expect(await collect(store.readStream('partner-p1'))).toHaveLength(32);
  });

  it('a store failure (not a conflict) rejects the promise as it is, without retrying', async () => {
    const store = new Instrumented(new InMemoryEventStore(), async () => {
      throw new Error('connection refused');
    });
    await expect(handleCommand(store, tenantOfP1())).rejects.toThrow('connection refused');
    expect(store.appends).toBe(1);
  });
});

describe('handleCommand with its state cache', () => {
  it('given a stream reset under the cache and written again by others, then the cached state is not gone on from: the stream is folded anew', async () => {
    let inner = new InMemoryEventStore();
    const store: EventStore = {
      readStream: (streamId, options) => inner.readStream(streamId, options),
      readAll: (options) => inner.readAll(options),
      appendToStream: (...args) => inner.appendToStream(...args),
    };
    const cache = new StateCache();
    await handleCommand(store, createTenant('t1', 's1', { partnerId: 'p1', at: minute(1) }), { cache });
    /** The store emptied, and another instance (no cache) writing the partner's history anew. */
    const writtenAnew = async (tenantId: string, [first, ...more]: string[], from: number) => {
      inner = new InMemoryEventStore();
      const at = (n: number) => ({ partnerId: 'p1', at: minute(from + n) });
      await handleCommand(store, createTenant(tenantId, first, at(0)), { cache: false });
      for (const [n, subscriptionId] of more.entries())
        await handleCommand(store, purchase(subscriptionId, tenantId, at(n + 1)), { cache: false });
    };
    const refusal = async (tenantId: string, subscriptionId: string, at: number) => {
      const result = await handleCommand(
        store,
        purchase(subscriptionId, tenantId, { partnerId: 'p1', at: minute(at) }),
        {
          cache,
        },
      );
      return E.isLeft(result) && result.left.code;
    };
    // Longer than the cached state's stream, then as long: the event at the cached version is another.
    await writtenAnew('t2', ['s2', 's3'], 2);
    expect(await refusal('t1', 's4', 4)).toBe('NOT_SHARED_TENANT');
    await writtenAnew('t5', ['s5', 's6'], 5);
    expect(await refusal('t2', 's7', 7)).toBe('NOT_SHARED_TENANT');
    expect((await collect(inner.readAll())).map(({ event }) => event.type)).toEqual([
      'SharedTenantCreated',
      'ApssSubscriptionPurchased',
      'ApssSubscriptionPurchased',
    ]);
  });

  /** A store holding partner p1's shared tenant, subscription sub-1 and `usage` usage records on it. */
  const partnerWithUsage = async (usage: number): Promise<InMemoryEventStore> => {
    const store = new InMemoryEventStore();
    await handleCommand(store, tenantOfP1(), {
      cache: false,
    });
    await store.appendToStream('partner-p1', usageEvents('p1', usage), { expectedVersion: 2 });
    return store;
  };

  // A cached state reads the event it stands at (still there, the same: the stream was not reset
  // under it), then the events appended since.
  it('reads only the event its cached state stands at and the events appended since, including those of other writers', async () => {
    const inner = await partnerWithUsage(50);
    const store = new Instrumented(inner);
    const cache = new StateCache();
    await handleCommand(store, purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }), { cache });
    expect(store.eventsRead).toBe(52);
    await handleCommand(store, purchase('sub-3', 'tenant-1', { partnerId: 'p1', at: minute(20) }), { cache });
    expect(store.eventsRead).toBe(53);
    await handleCommand(inner, purchase('sub-4', 'tenant-1', { partnerId: 'p1', at: minute(20) }), {
      cache: false,
    });
    const duplicate = await handleCommand(
      store,
      purchase('sub-4', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
      { cache },
    );
    expect(E.isLeft(duplicate) && duplicate.left.code).toBe('DUPLICATE_ID');
    expect(store.eventsRead).toBe(55);
  });

  it('given a partner whose state alone is over the cache bound, then it is still cached and only the event it stands at and its tail read', async () => {
    const inner = await partnerWithUsage(500);
    const store = new Instrumented(inner);
    const cache = new StateCache({ maxBytes: 1_000 });
    await handleCommand(store, purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }), { cache });
    await handleCommand(store, purchase('sub-3', 'tenant-1', { partnerId: 'p1', at: minute(20) }), { cache });
    expect(store.eventsRead).toBe(503);
    expect(cache.stats).toMatchObject({ entries: 1, hits: 1, misses: 1 });
    expect(cache.stats.bytes).toBeGreaterThan(cache.stats.maxBytes);
  });

  it("given a caller's decider that writes instants in another form than the store keeps, then a cached command still reads only the event it stands at", async () => {
    const store = new Instrumented(new InMemoryEventStore());
    const library = apssDecider();
    const secondsOnly = (event: DomainEvent): DomainEvent =>
      ({
        ...event,
        metadata: { ...event.metadata, at: event.metadata.at.replace('.000Z', 'Z') },
      }) as DomainEvent;
    const decider: Decider = {
      ...library,
      decide: (command, state) =>
        E.map((events: readonly DomainEvent[]) => events.map(secondsOnly))(library.decide(command, state)),
    };
    await handleCommand(store, createTenant('tenant-1', 'sub-1', { partnerId: 'p1', at: minute(1) }), {
      decider,
    });
    for (let i = 2; i <= 6; i++)
      await handleCommand(store, purchase(`sub-${i}`, 'tenant-1', { partnerId: 'p1', at: minute(i) }), {
        decider,
      });
    expect(store.eventsRead).toBe(5);
  });

  it('given a cached state one event behind and a race on the append, then the retry reads on from where it stood, not the whole stream', async () => {
    const inner = await partnerWithUsage(100);
    const store = new Instrumented(inner, async (attempt) => {
      if (attempt === 2)
        await inner.appendToStream('partner-p1', usageEvents('p1', 1, 'race'), { expectedVersion: 'any' });
    });
    const cache = new StateCache();
    await handleCommand(store, purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }), { cache });
    await inner.appendToStream('partner-p1', usageEvents('p1', 1, 'behind'), { expectedVersion: 'any' });
    store.eventsRead = 0;
    const result = await handleCommand(
      store,
      purchase('sub-3', 'tenant-1', { partnerId: 'p1', at: minute(21) }),
      {
        cache,
      },
    );
    expect(E.isRight(result) && result.right.nextVersion).toBe(106);
    // The event its cached state stood at and the one behind it; then, after the race, the racer's.
    expect(store.eventsRead).toBe(3);
  });

  it('uses one cache per store by default, and none with cache: false', async () => {
    const inner = new InMemoryEventStore();
    const store = new Instrumented(inner);
    await handleCommand(store, tenantOfP1());
    await handleCommand(store, purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }));
    expect(store.eventsRead).toBe(1);
    await handleCommand(store, purchase('sub-3', 'tenant-1', { partnerId: 'p1', at: minute(20) }), {
      cache: false,
    });
    expect(store.eventsRead).toBe(4);
  });

  it('refuses a cache that already serves another store: their streams of the same name differ', async () => {
    const cache = new StateCache();
    const first = new InMemoryEventStore();
    const second = new InMemoryEventStore();
    await handleCommand(first, tenantOfP1(), {
      cache,
    });
    const result = await handleCommand(second, tenantOfP1(), { cache });
    expect(E.isLeft(result) && result.left).toMatchObject({
      code: 'INVALID_COMMAND',
      details: ['options.cache'],
    });
    expect(await collect(second.readAll())).toEqual([]);
  });

  it('stays right with a store that ignores `after` and hands back whole streams', async () => {
    const inner = new InMemoryEventStore();
    const wholeStreams: EventStore = {
      readStream: (streamId) => inner.readStream(streamId),
      readAll: (options) => inner.readAll(options),
      appendToStream: (...args) => inner.appendToStream(...args),
    };
    const cache = new StateCache();
    const versions: number[] = [];
    for (const command of [
      tenantOfP1(),
      purchase('s2', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
      purchase('s3', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
    ]) {
      const result = await handleCommand(wholeStreams, command, { cache, retries: 0 });
      versions.push(E.isRight(result) ? result.right.nextVersion : -1);
    }
    expect(versions).toEqual([2, 3, 4]);
    expect(cache.get('partner-p1')).toMatchObject({ version: 4, state: { version: 4 } });
  });

  const partners = ['p1', 'p2'];
  const subscriptions = ['s1', 's2', 's3'];
  type Step =
    { kind: 'command'; command: unknown } | { kind: 'outside'; partnerId: string; subscriptionId: string };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...partners),
        fc.constantFrom(...subscriptions),
        fc.constantFrom<'create' | 'purchase' | 'usage' | 'cancel'>('create', 'purchase', 'usage', 'cancel'),
        fc.nat(20),
      )
      .map(([partnerId, subscriptionId, kind, n]): Step => {
        const command =
          kind === 'create'
            ? createTenant('tenant-1', subscriptionId, { partnerId: partnerId, at: minute(10) })
            : kind === 'purchase'
              ? purchase(subscriptionId, 'tenant-1', { partnerId: partnerId, at: minute(20) })
              : kind === 'usage'
                ? usage(subscriptionId, '2020-01-01', `u${n}`, { partnerId: partnerId, at: minute(30) })
                : {
                    type: 'CancelSubscription',
                    data: { partnerId, subscriptionId },
                    metadata: { actor: actorOf('AdminAgent', 'alice'), at: minute(40) },
                  };
        return { kind: 'command', command };
      }),
    fc
      .tuple(fc.constantFrom(...partners), fc.constantFrom(...subscriptions))
      .map(([partnerId, subscriptionId]): Step => ({ kind: 'outside', partnerId, subscriptionId })),
  );

  it('decides exactly as reading whole streams does, for any commands, with other writers appending behind its back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 5_000 }),
        async (steps, maxBytes) => {
          const cached = new InMemoryEventStore();
          const plain = new InMemoryEventStore();
          const cache = new StateCache({ maxBytes });
          for (const step of steps) {
            if (step.kind === 'outside') {
              const event = purchased(step.subscriptionId, 'tenant-1', {
                partnerId: step.partnerId,
                at: minute(5),
              });
              for (const store of [cached, plain])
                await store.appendToStream(`partner-${step.partnerId}`, [event], { expectedVersion: 'any' });
              continue;
            }
            const withCache = await handleCommand(cached, step.command, { cache });
            const without = await handleCommand(plain, step.command, { cache: false });
            expect(withCache).toEqual(without);
          }
          const log = async (store: EventStore) =>
            (await collect(store.readAll())).map((s) => [s.streamId, s.event]);
          expect(await log(cached)).toEqual(await log(plain));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('handleCommand on one Decider value', () => {
  it('given a decider by rules2023, then a GlobalAdmin is ROLE_NOT_PERMITTED, as with rules: rules2023', async () => {
    const store = new InMemoryEventStore();
    const command = {
      ...tenantOfP1(),
      metadata: { actor: { id: 'g', role: 'GlobalAdmin' }, at: minute(1) },
    };
    const result = await handleCommand(store, command, { decider: apssDecider(rules2023) });
    expect(E.isLeft(result) && result.left.code).toBe('ROLE_NOT_PERMITTED');
    expect(await collect(store.readAll())).toEqual([]);
  });

  it('gives the decider the command decoded (its instant in UTC) and the state its own evolve folded', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, tenantOfP1());
    const library = apssDecider();
    const seen: { at: string; version: number }[] = [];
    let evolved = 0;
    const watching: Decider = {
      ...library,
      decide: (command, state) => {
        seen.push({ at: command.metadata.at, version: state.version });
        return library.decide(command, state);
      },
      evolve: (state, event) => {
        evolved += 1;
        return evolve(state, event);
      },
    };
    const command = {
      ...purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
      metadata: { actor: actorOf('AdminAgent', 'alice'), at: '2020-01-01T01:20:00+01:00' },
    };
    const result = await handleCommand(store, command, { decider: watching });
    expect(E.isRight(result) && result.right.nextVersion).toBe(3);
    // The store's cache holds states the library's evolve folded: another evolve folds the stream itself.
    expect(seen).toEqual([{ at: '2020-01-01T00:20:00.000Z', version: 2 }]);
    expect(evolved).toBe(3);
    await handleCommand(store, purchase('sub-3', 'tenant-1', { partnerId: 'p1', at: minute(20) }), {
      decider: watching,
    });
    expect(evolved).toBe(4);
  });
  it("given a decider of the caller's that decides what the store refuses (another partner's event, a malformed one), then handleCommand rejects as appendToStream does, and nothing is written", async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, tenantOfP1());
    const library = apssDecider();
    const altering = (change: (event: DomainEvent) => DomainEvent): Decider => ({
      ...library,
      decide: (command, state) =>
        E.map((events: readonly DomainEvent[]) => events.map(change))(library.decide(command, state)),
    });
    const command = purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) });
    const toOther = altering(
      (event) => ({ ...event, data: { ...event.data, partnerId: 'p2' } }) as DomainEvent,
    );
    await expect(handleCommand(store, command, { decider: toOther })).rejects.toMatchObject({
      name: 'EventStoreRequestError',
      details: ['events.0.data.partnerId'],
    });
    const malformed = altering(
      (event) => ({ ...event, data: { ...event.data, subscriptionId: '' } }) as DomainEvent,
    );
    await expect(handleCommand(store, command, { decider: malformed })).rejects.toMatchObject({
      name: 'EventStoreRequestError',
      details: ['events.0.data.subscriptionId'],
    });
    expect(await collect(store.readAll())).toHaveLength(2);
  });

  it("gives a decider that starts from another initial state a cache of its own: a state folded from one start is not another's", async () => {
    const store = new InMemoryEventStore();
    const library = apssDecider();
    const elsewhere: Decider = {
      ...library,
      initialState: fold(history([createTenant('t9', 's9', { partnerId: 'p1', at: minute(1) })])),
    };
    const ours = await handleCommand(store, purchase('s2', 't9', { partnerId: 'p1', at: minute(2) }), {
      decider: elsewhere,
    });
    expect(E.isRight(ours)).toBe(true);
    // To the library's decider, the stream holds a purchase and no tenant: t9 is no shared tenant of p1.
    const theirs = await handleCommand(store, purchase('s3', 't9', { partnerId: 'p1', at: minute(3) }));
    expect(E.isLeft(theirs) && theirs.left.code).toBe('NO_SHARED_TENANT');
  });

  it("given a cached state behind the stream, then a caller's decider is given a frozen state that no later event changes", async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    const given: { state: PartnerState; subscriptions: string[] }[] = [];
    const keeping: Decider = {
      ...apssDecider(),
      decide(command, state) {
        given.push({ state, subscriptions: [...state.subscriptions.keys()] });
        return apssDecider().decide(command, state);
      },
    };
    const p1 = (n: number) => ({ partnerId: 'p1', at: minute(n) });
    await handleCommand(store, createTenant('t1', 's1', p1(1)), { cache, decider: keeping });
    // Another instance appends: the cached state has a tail to read before the next decision.
    await handleCommand(store, purchase('s2', 't1', p1(2)), { cache: false });
    await handleCommand(store, purchase('s3', 't1', p1(3)), { cache, decider: keeping });
    const [, second] = given;
    expect(Object.isFrozen(second?.state)).toBe(true);
    expect([...(second?.state.subscriptions.keys() ?? [])]).toEqual(second?.subscriptions);
    expect(second?.subscriptions).toEqual(['s1', 's2']);
  });

  it("given a caller's decider that tries its events with evolve and then refuses, then what it tried is never taken as recorded", async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    const library = apssDecider();
    const atMostThree: Decider = {
      ...library,
      decide(command, state) {
        const decided = library.decide(command, state);
        if (E.isLeft(decided) || decided.right.reduce(evolve, state).subscriptions.size <= 3) return decided;
        return E.left({ code: 'INVALID_COMMAND', message: 'at most 3 subscriptions', details: [] });
      },
    };
    const p1 = (n: number) => ({ partnerId: 'p1', at: minute(n) });
    await handleCommand(store, createTenant('t1', 's1', p1(1)), { cache, decider: atMostThree });
    await handleCommand(store, purchase('s2', 't1', p1(2)), { cache: false });
    await handleCommand(store, purchase('s3', 't1', p1(3)), { cache: false });
    const refused = await handleCommand(store, purchase('s4', 't1', p1(4)), { cache, decider: atMostThree });
    expect(E.isLeft(refused) && refused.left.code).toBe('INVALID_COMMAND');
    const cancelled = await handleCommand(store, cancel('s4', p1(5)), { cache, decider: atMostThree });
    expect(E.isLeft(cancelled) && cancelled.left.code).toBe('SUBSCRIPTION_NOT_FOUND');
    expect(await collect(store.readAll())).toHaveLength(4);
  });

  it('refuses a cache that holds states another evolve folded', async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    await handleCommand(store, tenantOfP1(), {
      cache,
    });
    const own: Decider = { ...apssDecider(), evolve: (state, event) => evolve(state, event) };
    const result = await handleCommand(
      store,
      purchase('sub-2', 'tenant-1', { partnerId: 'p1', at: minute(20) }),
      { cache, decider: own },
    );
    expect(E.isLeft(result) && result.left).toMatchObject({
      code: 'INVALID_COMMAND',
      details: ['options.cache'],
    });
    expect(await collect(store.readAll())).toHaveLength(2);
  });
});

describe('handleCommand decodes each datum once', () => {
  it('given an accepted command, then the store keeps the very events decide made (not copies decoded again)', async () => {
    const store = new InMemoryEventStore();
    const result = await handleCommand(store, tenantOfP1());
    const stored = (await collect(store.readStream('partner-p1'))).map((s) => s.event);
    expect(E.isRight(result)).toBe(true);
    if (E.isRight(result)) result.right.events.forEach((event, i) => expect(stored[i]).toBe(event));
  });

  it('given a store whose appendToStream a subclass changed, then decided events go through it', async () => {
    const appended: unknown[] = [];
    class Audited extends InMemoryEventStore {
      override async appendToStream(...args: Parameters<EventStore['appendToStream']>) {
        appended.push(...args[1]);
        return super.appendToStream(...args);
      }
    }
    const result = await handleCommand(new Audited(), tenantOfP1());
    expect(E.isRight(result) && result.right.events).toEqual(appended);
  });

  it('given a cached state, then a command copies only what its events change: the reservations stay the same map', async () => {
    const store = new InMemoryEventStore();
    const cache = new StateCache();
    await handleCommand(store, tenantOfP1(), {
      cache,
    });
    const reservation = {
      type: 'BuyReservedInstance',
      data: {
        partnerId: 'p1',
        subscriptionId: 'sub-1',
        reservationId: 'ri-1',
        sku: 'D2 v3',
        region: 'westeurope',
        term: 'P1Y',
        scope: 'single',
        quantity: 1,
      },
      metadata: { actor: actorOf('AdminAgent', 'alice'), at: minute(25) },
    };
    expect(E.isRight(await handleCommand(store, reservation, { cache }))).toBe(true);
    const before = cache.get('partner-p1')?.state;
    expect(
      E.isRight(
        await handleCommand(store, usage('sub-1', '2020-01-01', 'u-1', { partnerId: 'p1', at: minute(30) }), {
          cache,
        }),
      ),
    ).toBe(true);
    const after = cache.get('partner-p1')?.state;
    expect(after?.version).toBe(4);
    expect(after?.reservations).toBe(before?.reservations);
    expect(after?.usage.has('u-1')).toBe(true);
    expect(before?.usage.has('u-1')).toBe(false);
    expect(Object.isFrozen(after) && Object.isFrozen(after?.usage)).toBe(true);
  });
});
