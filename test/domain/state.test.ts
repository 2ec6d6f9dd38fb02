import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validHistory } from 'apss-domain/testing';
import { decide, evolve, fold, initialState, type DomainEvent, type PartnerState } from 'apss-domain';
import { applyEvent } from '../../src/state/evolve.js';
import { IdSet } from '../../src/lib/idSet.js';
import { emptyState, thaw } from '../../src/state/state.js';
import { buyRi, cancel, createTenant, deploy, history, provision, purchase, usage } from '../builders.js';

const scripted = history([
  createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
  purchase('s2'),
  buyRi('s1'),
  deploy('s2', 'byol', 'isv-direct'),
  provision('t2', 'Dynamics365'),
  usage('s1', '2018-06-02'),
  cancel('s2'),
]);

const expectDeeplyFrozen = (state: PartnerState) => {
  expect(Object.isFrozen(state)).toBe(true);
  for (const map of [state.subscriptions, state.reservations, state.deployments, state.services]) {
    expect(() => (map as Map<string, unknown>).set('x', {})).toThrow('frozen');
    for (const record of map.values()) expect(Object.isFrozen(record)).toBe(true);
  }
  expect(Object.isFrozen(state.usage)).toBe(true);
  expect(() => (state.usage as IdSet).add('x')).toThrow('frozen');
};

describe('fold and evolve', () => {
  it('fold gives the state that evolving event by event gives', () => {
    expect(fold(scripted)).toEqual(scripted.reduce(evolve, initialState));
  });
  it('fold continues from a given state', () => {
    expect(fold(scripted.slice(3), fold(scripted.slice(0, 3)))).toEqual(fold(scripted));
  });
  it('remembers what the rules need', () => {
    const state = fold(scripted);
    expect(state).toMatchObject({ partnerId: 'p1', sharedTenantId: 't1', version: scripted.length });
    expect(state.subscriptions.get('s2')).toMatchObject({
      status: 'cancelled',
      endedAt: scripted.at(-1)?.metadata.at,
    });
    expect(state.subscriptions.get('s1')).toMatchObject({
      firstUsageDay: '2018-06-02',
      lastUsageDay: '2018-06-02',
      status: 'active',
      endedAt: null,
      purchasedAt: '2018-06-01T00:00:00.000Z',
    });
    expect([
      ...state.reservations.keys(),
      ...state.deployments.keys(),
      ...state.services.keys(),
      ...state.usage.keys(),
    ]).toEqual(['ri1', 'd1', 'svc1', 'u1']);
  });
  it('hands out deeply frozen states and leaves the state it started from as it was', () => {
    const before = fold(scripted.slice(0, 2));
    // Collections as arrays: a structured clone keeps a Map's entries, not a RecordMap's or an IdSet's.
    const plain = (state: PartnerState) => ({
      ...state,
      subscriptions: [...state.subscriptions],
      reservations: [...state.reservations],
      deployments: [...state.deployments],
      services: [...state.services],
      usage: [...state.usage],
    });
    const snapshot = structuredClone(plain(before));
    const after = fold(scripted.slice(2), before);
    expectDeeplyFrozen(initialState);
    expectDeeplyFrozen(before);
    expectDeeplyFrozen(after);
    for (const event of scripted.slice(0, 1)) expectDeeplyFrozen(evolve(after, event));
    expect(plain(before)).toEqual(snapshot);
  });
});

describe('decide leaves the state it is given as it was', () => {
  it('a two-event command decided on a state the caller keeps mutable does not freeze it', () => {
    const mine: PartnerState = {
      ...initialState,
      subscriptions: new Map(),
      reservations: new Map(),
      deployments: new Map(),
      services: new Map(),
      usage: new IdSet(),
    };
    const decision = decide(createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }), mine);
    expect(decision._tag).toBe('Right');
    expect(Object.isFrozen(mine.subscriptions)).toBe(false);
    expect(() => (mine.subscriptions as Map<string, never>).clear()).not.toThrow();
    expect(mine).toMatchObject({ sharedTenantId: null, version: 0 });
  });
});

describe('evolve leaves the state it is given as it was', () => {
  it('given a state whose usage ids the caller keeps unfrozen, then evolve adds to a copy and freezes only that', () => {
    const at = scripted.findIndex((event) => event.type === 'UsageRecorded');
    const recorded = scripted[at] as DomainEvent;
    const mine: PartnerState = { ...fold(scripted.slice(0, at)), usage: new IdSet(['u0']) };
    const next = evolve(mine, recorded);
    expect([...next.usage]).toEqual(['u0', 'u1']);
    expect([...mine.usage]).toEqual(['u0']);
    expect([Object.isFrozen(mine.usage), Object.isFrozen(next.usage)]).toEqual([false, true]);
    expect(evolve(mine, scripted[at + 1] as DomainEvent).usage).toBe(mine.usage);
    expect(Object.isFrozen(mine.usage)).toBe(false);
  });
});

describe('lean partners: states without records of a kind share one frozen empty collection of it', () => {
  const [created, purchased, recorded] = history([
    createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
    usage('s1', '2018-06-02'),
  ]) as [DomainEvent, DomainEvent, DomainEvent];
  const collections = (state: PartnerState) => [
    state.subscriptions,
    state.reservations,
    state.deployments,
    state.services,
    state.usage,
  ];
  const expectShared = (a: PartnerState, b: PartnerState) => {
    for (const [i, collection] of collections(a).entries()) expect(collection).toBe(collections(b)[i]);
  };

  it('given two partners with one event each, then their states share every empty collection, frozen', () => {
    const other = { ...created, data: { ...created.data, partnerId: 'p2' } } as DomainEvent;
    const [one, two] = [fold([created]), evolve(initialState, other)];
    expectShared(one, two);
    expectShared(one, initialState);
    expectDeeplyFrozen(one);
  });

  it('given a partner sharing the empty collections, when it gets its first record, then it has its own and the shared ones stay empty', () => {
    const one = fold([created]);
    for (const next of [fold([purchased], one), evolve(one, purchased)]) {
      expect(next.subscriptions).not.toBe(one.subscriptions);
      expect([...next.subscriptions.keys()]).toEqual(['s1']);
      expect(next.reservations).toBe(one.reservations);
      expectDeeplyFrozen(next);
    }
    expect([initialState.subscriptions.size, one.subscriptions.size]).toEqual([0, 0]);
  });

  it('given mutable states made to apply events to, then they share the empty collections until written', () => {
    const [a, b] = [emptyState(), emptyState()];
    expect(a.subscriptions).toBe(b.subscriptions);
    expect(a.usage).toBe(b.usage);
    for (const event of [created, purchased, recorded]) applyEvent(a, event);
    expect([a.subscriptions.size, a.usage.size, b.subscriptions.size, b.usage.size]).toEqual([1, 1, 0, 0]);
    expect(thaw(fold([created])).services).toBe(b.services);
  });
});

describe('evolve copies what it changes', () => {
  const mutableCopy = (state: PartnerState): PartnerState => ({
    ...state,
    subscriptions: new Map([...state.subscriptions].map(([id, record]) => [id, { ...record }])),
    reservations: new Map(state.reservations),
    deployments: new Map(state.deployments),
    services: new Map(state.services),
    usage: state.usage.copy(),
  });
  const snapshot = (state: PartnerState) => ({
    ...state,
    subscriptions: [...state.subscriptions].map(([id, record]) => [id, { ...record }]),
    reservations: [...state.reservations.keys()],
    deployments: [...state.deployments.keys()],
    services: [...state.services.keys()],
    usage: [...state.usage.keys()],
  });

  it('property: given a state whose collections and records the caller keeps mutable, evolving it by every later event of a valid history leaves it as it was and gives what fold gives', () => {
    fc.assert(
      fc.property(validHistory({ maxCommands: 30 }), fc.nat(), (events, at) => {
        const split = events.length === 0 ? 0 : at % events.length;
        const mine = mutableCopy(fold(events.slice(0, split)));
        const before = snapshot(mine);
        const evolved = events.slice(split).reduce(evolve, mine);
        expect(snapshot(mine)).toEqual(before);
        expect(snapshot(evolved)).toEqual(snapshot(fold(events)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('a state that events extend shares what they do not change', () => {
  const events = history([
    createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
    purchase('s2'),
    buyRi('s1'),
    usage('s1', '2018-06-02', 'u1'),
    usage('s1', '2018-06-02', 'u2'),
    usage('s1', '2018-06-02', 'u3'),
  ]);
  const before = fold(events.slice(0, -2));
  const [second, third] = events.slice(-2) as [DomainEvent, DomainEvent];

  it('given usage on days a subscription has seen, when evolved or folded onto a state, then the maps and records are the state’s own', () => {
    for (const after of [evolve(before, second), fold([second, third], before)]) {
      for (const key of ['subscriptions', 'reservations', 'deployments', 'services'] as const)
        expect(after[key]).toBe(before[key]);
      expect(after.usage.size).toBe(before.usage.size + (after.version - before.version));
      expectDeeplyFrozen(after);
    }
  });

  it('given a partner with 200 subscriptions, when a usage event widens the days of one, then the new state shares every other record and the state before still has the old days', () => {
    const many = history([
      createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
      ...Array.from({ length: 199 }, (_, i) => purchase(`s${i + 2}`)),
      usage('s1', '2018-06-02', 'u1'),
      usage('s1', '2018-06-05', 'u2'),
    ]);
    const start = fold(many.slice(0, -1));
    const widened = evolve(start, many.at(-1) as DomainEvent);
    expect([
      start.subscriptions.get('s1')?.lastUsageDay,
      widened.subscriptions.get('s1')?.lastUsageDay,
    ]).toEqual(['2018-06-02', '2018-06-05']);
    const others = [...start.subscriptions].filter(([id]) => id !== 's1');
    expect(others).toHaveLength(199);
    expect(others.every(([id, record]) => widened.subscriptions.get(id) === record)).toBe(true);
    expect([...widened.subscriptions.keys()]).toEqual([...start.subscriptions.keys()]);
    expectDeeplyFrozen(start);
    expectDeeplyFrozen(widened);
  });

  it('given two states extending the same one, then each sees its own usage ids and the one before sees neither', () => {
    const one = evolve(evolve(before, second), third);
    const other = evolve(before, third);
    expect([...before.usage]).toEqual(['u1']);
    expect([...one.usage]).toEqual(['u1', 'u2', 'u3']);
    expect([...other.usage]).toEqual(['u1', 'u3']);
    expect([before.usage.has('u3'), other.usage.has('u2'), evolve(other, second).usage.has('u2')]).toEqual([
      false,
      false,
      true,
    ]);
  });
});
