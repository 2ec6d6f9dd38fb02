import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fold,
  invoice,
  overview,
  project,
  reconciliation,
  reservations,
  type DomainEvent,
  type Projection,
} from 'apss-domain';
import {
  anyLog,
  cancelled,
  deployed,
  migrated,
  purchased,
  reserved,
  tenantCreated,
  usageRecorded,
} from '../builders.js';
import { add, plain, times } from './money.js';

const views = { reconciliation, invoice, overview, reservations } as Record<string, Projection<unknown>>;
const named = Object.entries(views);

const byPartner = (log: readonly DomainEvent[]) => {
  const partners = new Map<string, DomainEvent[]>();
  for (const event of log)
    partners.set(event.data.partnerId, [...(partners.get(event.data.partnerId) ?? []), event]);
  return partners;
};

/** Every object reachable from a view is frozen (a Map is frozen when it refuses `set`). */
/**
 * A deep copy of a view in plain arrays, Maps and objects: its arrays are proxies over what the
 * projection keeps (see prefixView), which structuredClone refuses.
 */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return [...(value as unknown[])].map(plainCopy);
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [key, plainCopy(item)]));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainCopy(item)]));
  return value;
}

function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (value instanceof Map) {
    let refused = false;
    try {
      value.set('__probe__', 1);
    } catch {
      refused = true;
    }
    return refused && [...value.values()].every(deeplyFrozen);
  }
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

describe.each(named)('%s is an incremental fold', (_name, projection) => {
  it('property: project over a log equals applying its events one at a time', () => {
    fc.assert(
      fc.property(anyLog(25), (log) => {
        expect(project(projection, log)).toEqual(log.reduce(projection.apply, projection.init));
      }),
      { numRuns: 150 },
    );
  });

  it('property: projecting a log in two batches, continuing from the first view, equals projecting it at once', () => {
    fc.assert(
      fc.property(anyLog(), fc.nat(), (log, cut) => {
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        const first = project(projection, log.slice(0, at));
        expect(project(projection, log.slice(at), first)).toEqual(project(projection, log));
      }),
    );
  });

  it('property: applying or projecting never changes the view handed in (nor what it remembers), and views are deeply frozen', () => {
    fc.assert(
      fc.property(anyLog(), anyLog(10), (log, more) => {
        const view = project(projection, log);
        const before = plainCopy(view);
        const applied = more.reduce(projection.apply, view);
        const continued = project(projection, more, view);
        expect(view).toEqual(before);
        expect(continued).toEqual(applied);
        expect(project(projection, more, view)).toEqual(continued);
        expect(deeplyFrozen(view) && deeplyFrozen(applied) && deeplyFrozen(continued)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('property: a view it did not make (parsed from JSON, say) is refused, never taken for the empty view', () => {
    fc.assert(
      fc.property(
        anyLog(15).filter((log) => log.length > 0),
        fc.array(fc.anything(), { maxLength: 5 }),
        (log, junk) => {
          const made = project(projection, log);
          const parsed = JSON.parse(JSON.stringify(made instanceof Map ? [...made] : made)) as unknown;
          for (const foreign of [value0(junk), parsed]) {
            expect(() => projection.apply(foreign as never, log[0] as DomainEvent)).toThrow(
              /was not built by \w+ in this process/,
            );
            expect(() => project(projection, log, foreign as never)).toThrow(/was not built/);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe.each(named)('%s: a view is a value, however it is gone on from', (_name, projection) => {
  it('property: applying to one view twice, with different events, gives the view of each history, and leaves the view as it was', () => {
    fc.assert(
      fc.property(anyLog(), anyLog(8), anyLog(8), fc.nat(), (log, first, second, cut) => {
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        const before = log.slice(0, at);
        const v1 = before.reduce(projection.apply, projection.init);
        const once = first.reduce(projection.apply, v1);
        const again = second.reduce(projection.apply, v1);
        const onceMore = first.reduce(projection.apply, v1);
        expect(once).toEqual(project(projection, [...before, ...first]));
        expect(again).toEqual(project(projection, [...before, ...second]));
        expect(onceMore).toEqual(once);
        expect(v1).toEqual(project(projection, before));
      }),
      { numRuns: 80 },
    );
  });

  it.each([
    ['usage of a new partner each (every event changes the view)', () => newPartnersUsage(5000)],
    ['every kind of event', () => longLog(5000)],
  ])(
    'given a chain of thousands of views, one an event, of %s, then going on from any of them gives the view of its own history',
    (_kind, logOf) => {
      const log = logOf();
      const chain = [projection.init];
      for (const event of log) chain.push(projection.apply(chain[chain.length - 1], event));
      const around = (n: number) => [n - 3, n - 2, n - 1, n, n + 1, n + 2, n + 3];
      // The chain's copies of its progress are taken and let go at positions that double.
      for (const at of [0, 1, 2, ...around(1025), ...around(2051), 3000, ...around(4103), 4999, 5000]) {
        const extra = longLog(3, `fork${at}`);
        const forked = extra.reduce(projection.apply, chain[at]);
        expect(forked).toEqual(project(projection, [...log.slice(0, at), ...extra]));
        expect(chain[at]).toEqual(project(projection, log.slice(0, at)));
      }
    },
  );
});

/** One usage record of a new partner per event. */
const newPartnersUsage = (count: number): DomainEvent[] =>
  Array.from({ length: count }, (_, i) => usageRecorded({ partnerId: `n${i}`, quantity: i }));

/**
 * `count` events of a few partners that change every view: usage over many months and currencies,
 * subscriptions bought and ended, reservations and deployments.
 */
function longLog(count: number, prefix = 'e'): DomainEvent[] {
  const log: DomainEvent[] = [];
  for (let i = 0; i < count; i++) {
    const round = i >>> 3;
    const partnerId = `${prefix}p${round % 5}`;
    const subscriptionId = `s${round % 3}`;
    const who = { partnerId };
    switch (i % 8) {
      case 0:
        log.push(tenantCreated(`t-${partnerId}-${round % 2}`, who));
        break;
      case 1:
        log.push(purchased(subscriptionId, `t-${partnerId}`, who));
        break;
      case 2:
        log.push(reserved(subscriptionId, `r${round % 400}`, who));
        break;
      case 3:
        log.push(deployed(subscriptionId, `d${round % 400}`, who));
        break;
      case 4:
        log.push(round % 7 === 0 ? cancelled(subscriptionId, who) : migrated(`x${round}`, who));
        break;
      default:
        log.push(
          usageRecorded({
            partnerId,
            usageId: `${prefix}u${i % 3000}`,
            usageDate: `20${10 + (round % 13)}-${String(1 + (i % 12)).padStart(2, '0')}-15`,
            currency: i % 3 === 0 ? 'USD' : 'EUR',
            quantity: (i % 97) / 10,
            unitPrice: 0.0416,
          }),
        );
    }
  }
  return log;
}

/** A value that is not a view this library made. */
const value0 = (junk: unknown[]): unknown => junk[0] ?? {};

describe('the views agree with each other and with the partner state', () => {
  it('property: the reconciliation has one line per usage id the partner state knows', () => {
    fc.assert(
      fc.property(anyLog(), (log) => {
        const lines = project(reconciliation, log);
        for (const [partnerId, events] of byPartner(log)) {
          const ids = lines.filter((line) => line.partnerId === partnerId).map((line) => line.usageId);
          expect(new Set(ids).size).toBe(ids.length);
          expect(new Set(ids)).toEqual(new Set(fold(events).usage.keys()));
        }
      }),
    );
  });

  it('property: each invoice total is the exact sum of its reconciliation lines, per partner, month and currency', () => {
    fc.assert(
      fc.property(anyLog(), (log) => {
        const expected = new Map<string, { units: bigint; scale: number }>();
        for (const line of project(reconciliation, log)) {
          const key = `${line.partnerId} ${line.usageDate.slice(0, 7)} ${line.currency}`;
          expected.set(
            key,
            add(expected.get(key) ?? { units: 0n, scale: 0 }, times(line.quantity, line.unitPrice)),
          );
        }
        const actual = project(invoice, log).map((line): [string, string] => [
          `${line.partnerId} ${line.month} ${line.currency}`,
          line.total,
        ]);
        expect(new Map(actual)).toEqual(new Map([...expected].map(([key, sum]) => [key, plain(sum)])));
        expect(actual.map(([key]) => key)).toEqual([...expected.keys()].sort());
      }),
    );
  });

  it('property: the overview shows each partner with the tenant and subscription statuses of its state', () => {
    fc.assert(
      fc.property(anyLog(), (log) => {
        const view = project(overview, log);
        const partners = byPartner(log);
        expect([...view.keys()]).toEqual([...partners.keys()]);
        for (const [partnerId, events] of partners) {
          const state = fold(events);
          expect(view.get(partnerId)?.sharedTenantId).toBe(state.sharedTenantId);
          expect(view.get(partnerId)?.subscriptions.map((s) => [s.subscriptionId, s.status])).toEqual(
            [...state.subscriptions.values()].map((s) => [s.subscriptionId, s.status]),
          );
          const reservations = view.get(partnerId)?.subscriptions.reduce((n, s) => n + s.reservations, 0);
          const known = [...state.reservations.values()].filter((r) =>
            state.subscriptions.has(r.subscriptionId),
          );
          expect(reservations).toBe(known.length);
        }
      }),
    );
  });
});

describe('project with a projection of yours', () => {
  it('given a projection of your own, then project folds it with its apply', () => {
    const count: Projection<number> = {
      init: 0,
      apply: (n, event) => (event.type === 'UsageRecorded' ? n + 1 : n),
    };
    fc.assert(
      fc.property(anyLog(), (log) => {
        expect(project(count, log)).toBe(log.filter((event) => event.type === 'UsageRecorded').length);
      }),
    );
  });
});
