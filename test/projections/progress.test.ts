import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  invoice,
  invoiceProgress,
  overview,
  overviewProgress,
  project,
  reconciliation,
  reconciliationProgress,
  reservations,
  reservationsProgress,
  type DomainEvent,
  type PartnerOverview,
  type Projection,
  type ProjectionProgress,
} from 'apss-domain';
import { anyEvent, validHistory } from 'apss-domain/testing';
import { anyLog, onboarded, purchased, reserved, tenantCreated, usageRecorded } from '../builders.js';

type Saved = ProjectionProgress<unknown, unknown>;
const cases: [string, Projection<unknown>, Saved][] = [
  ['reconciliation', reconciliation as Projection<unknown>, reconciliationProgress as unknown as Saved],
  ['invoice', invoice as Projection<unknown>, invoiceProgress as unknown as Saved],
  ['overview', overview as Projection<unknown>, overviewProgress as unknown as Saved],
  ['reservations', reservations as Projection<unknown>, reservationsProgress as unknown as Saved],
];

/** The progress after `events`, saved and written out as JSON text, as another process would get it. */
function savedAfter(progress: Saved, events: readonly DomainEvent[]): string {
  let state = progress.start();
  for (const event of events) state = progress.step(state, event);
  return JSON.stringify(progress.save(state));
}

/** Goes on from saved JSON text with `events`, and reads out the view. */
function resumed(progress: Saved, text: string, events: readonly DomainEvent[]): unknown {
  const loaded = progress.load(JSON.parse(text));
  if (E.isLeft(loaded)) throw new Error(loaded.left.message);
  let state = loaded.right;
  for (const event of events) state = progress.step(state, event);
  return progress.view(state);
}

describe.each(cases)('%sProgress: a read model that outlives the process', (_name, projection, progress) => {
  it('property: project(a ++ b) equals going on with b from the saved progress of a, read back from JSON', () => {
    fc.assert(
      fc.property(anyLog(), fc.nat(), (log, cut) => {
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        const [a, b] = [log.slice(0, at), log.slice(at)];
        expect(resumed(progress, savedAfter(progress, a), b)).toEqual(project(projection, log));
      }),
    );
  });

  it('property: load never throws, and what it refuses names the fields at fault', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const loaded = progress.load(junk);
        expect(E.isLeft(loaded) && loaded.left.code === 'MALFORMED_PROGRESS').toBe(true);
        if (E.isLeft(loaded)) expect(loaded.left.details.length).toBeGreaterThan(0);
      }),
    );
  });
});

const lines = reconciliationProgress as unknown as Saved;

describe('the reconciliation goes on from saved progress (issue #13)', () => {
  const twoLines = [...onboarded(), usageRecorded({ usageId: 'u-1' }), usageRecorded({ usageId: 'u-2' })];

  it('given two lines saved as JSON, when one more usage record comes, then there are three lines', () => {
    const view = resumed(lines, savedAfter(lines, twoLines), [
      usageRecorded({ usageId: 'u-3' }),
    ]) as readonly { usageId: string }[];
    expect(view.map((line) => line.usageId)).toEqual(['u-1', 'u-2', 'u-3']);
  });

  it('given saved progress, when a usage record already counted comes again, then it is not billed twice', () => {
    const saved = savedAfter(lines, twoLines);
    const view = resumed(lines, saved, [usageRecorded({ usageId: 'u-2' })]);
    expect(view).toHaveLength(2);
  });

  it('given a shared tenant created before any usage, then the saved progress keeps it for the next line', () => {
    const saved = savedAfter(lines, [tenantCreated('t-p1')]);
    const [line] = resumed(lines, saved, [usageRecorded()]) as readonly {
      customerId: string;
    }[];
    expect(line?.customerId).toBe(
      project(reconciliation, [tenantCreated('t-p1'), usageRecorded()])[0]?.customerId,
    );
    expect(line?.customerId).not.toBe('');
  });

  it('given saved lines repeating a usage id of a partner, then load refuses them naming the line', () => {
    const saved = JSON.parse(savedAfter(lines, twoLines)) as {
      lines: { usageId: string }[];
    };
    saved.lines[1] = { ...saved.lines[1], usageId: 'u-1' } as { usageId: string };
    expect(reconciliationProgress.load(saved)).toEqual(
      E.left(expect.objectContaining({ code: 'MALFORMED_PROGRESS', details: ['lines[1].usageId'] })),
    );
  });

  it('given a saved line with a float total, then load refuses it naming the field', () => {
    const saved = JSON.parse(savedAfter(lines, twoLines)) as {
      lines: { total: unknown }[];
    };
    saved.lines[0] = { ...saved.lines[0], total: 0.3 };
    expect(reconciliationProgress.load(saved)).toEqual(
      E.left(expect.objectContaining({ details: ['lines[0].total'] })),
    );
  });
});

describe('the reconciliation refuses saved lines it never made', () => {
  const log = [tenantCreated('t-p1'), usageRecorded({ usageId: 'u-1', quantity: 2, unitPrice: 3 })];
  const saved = () =>
    JSON.parse(savedAfter(lines, log)) as {
      lines: Record<string, unknown>[];
      sharedTenants: { partnerId: string; tenantId: string }[];
    };
  const refusal = (json: unknown) => {
    const loaded = reconciliationProgress.load(json);
    return E.isLeft(loaded) ? loaded.left.details : 'loaded';
  };

  it('given a line whose total is not its quantity times its unit price, then load refuses it naming the total', () => {
    const json = saved();
    json.lines[0] = { ...json.lines[0], total: '6000' };
    expect(refusal(json)).toEqual(['lines[0].total']);
  });

  it("given a line naming another customer than its partner's saved tenant, or a tenant its partner has not, then load refuses it", () => {
    const other = saved();
    other.lines[0] = { ...other.lines[0], customerId: 't-other' };
    expect(refusal(other)).toEqual(['lines[0].customerId']);
    const dropped = saved();
    dropped.sharedTenants = [];
    expect(refusal(dropped)).toEqual(['lines[0].customerId']);
  });

  it('given a line with no customer after a line of its partner that named the tenant, then load refuses it', () => {
    const json = JSON.parse(savedAfter(lines, [...log, usageRecorded({ usageId: 'u-2' })])) as {
      lines: Record<string, unknown>[];
    };
    json.lines[1] = { ...json.lines[1], customerId: '' };
    expect(refusal(json)).toEqual(['lines[1].customerId']);
  });

  it('given lines loaded back, then they are the lines project makes, to their JSON text', () => {
    const more = [usageRecorded({ usageId: 'u-2' })];
    const text = JSON.stringify(resumed(lines, savedAfter(lines, log), more));
    expect(text).toBe(JSON.stringify(project(reconciliation, [...log, ...more])));
  });

  it('given a logged quantity of -0, then the decoded event holds 0, and the lines saved and loaded are those project makes', () => {
    const line = JSON.stringify(usageRecorded({ usageId: 'u-0', quantity: 0 })).replace(
      '"quantity":0',
      '"quantity":-0',
    );
    const decoded = decodeEvent(JSON.parse(line));
    if (E.isLeft(decoded)) throw new Error('the event does not decode');
    const event = decoded.right;
    expect(event.type === 'UsageRecorded' && Object.is(event.data.quantity, 0)).toBe(true);
    expect(resumed(lines, savedAfter(lines, [decoded.right]), [])).toStrictEqual(
      project(reconciliation, [decoded.right]),
    );
  });
});

describe('the invoice refuses saved progress whose lines and counted usage cannot be of one log', () => {
  const progress = invoiceProgress as unknown as Saved;
  const log = [
    ...onboarded(),
    usageRecorded({ usageId: 'u-1', quantity: 2, unitPrice: 3, currency: 'USD' }),
    usageRecorded({ partnerId: 'p2', usageId: 'v-1', quantity: 1, unitPrice: 1, currency: 'EUR' }),
  ];
  const saved = () =>
    JSON.parse(savedAfter(progress, log)) as {
      lines: Record<string, unknown>[];
      usage: { partnerId: string; usageIds: string[] }[];
    };
  const refusal = (json: unknown) => {
    const loaded = invoiceProgress.load(json);
    return E.isLeft(loaded) ? loaded.left.details : 'loaded';
  };

  it('given a line of a partner with no counted usage, then load refuses it naming the line', () => {
    const json = saved();
    json.usage = json.usage.filter(({ partnerId }) => partnerId !== 'p2');
    expect(refusal(json)).toEqual([
      `lines[${json.lines.findIndex((line) => line.partnerId === 'p2')}].partnerId`,
    ]);
  });

  it("given counted usage whose partner's line was deleted, then load refuses it naming the usage", () => {
    const json = saved();
    json.lines = json.lines.filter((line) => line.partnerId !== 'p2');
    expect(refusal(json)).toEqual([
      `usage[${json.usage.findIndex(({ partnerId }) => partnerId === 'p2')}].usageIds`,
    ]);
  });

  it('given saved progress as save gives it, then load takes it', () => {
    expect(refusal(saved())).toBe('loaded');
  });
});

describe('the invoice goes on from saved progress', () => {
  it('given saved progress, when a usage record already counted comes again, then the total stays', () => {
    const progress = invoiceProgress as unknown as Saved;
    const log = [...onboarded(), usageRecorded({ usageId: 'u-1', quantity: 0.1, unitPrice: 0.2 })];
    const view = resumed(progress, savedAfter(progress, log), [
      usageRecorded({ usageId: 'u-1', quantity: 0.1, unitPrice: 0.2 }),
      usageRecorded({ usageId: 'u-2', quantity: 0.2, unitPrice: 0.1 }),
    ]);
    expect(view).toMatchObject([{ total: '0.04' }]);
  });
});

describe('the overview goes on from saved progress', () => {
  const progress = overviewProgress as unknown as Saved;

  it('property: for partners with valid histories, interleaved, resuming from the saved progress of a prefix equals project', () => {
    fc.assert(
      fc.property(fc.array(validHistory(), { maxLength: 3 }), fc.nat(), (histories, cut) => {
        const log = histories.flat();
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        expect(resumed(progress, savedAfter(progress, log.slice(0, at)), log.slice(at))).toEqual(
          project(overview, log),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('property: any events, even ones the rules refuse, go on from saved progress as project does', () => {
    fc.assert(
      fc.property(fc.array(anyEvent(), { maxLength: 30 }), fc.nat(), (log, cut) => {
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        expect(resumed(progress, savedAfter(progress, log.slice(0, at)), log.slice(at))).toEqual(
          project(overview, log),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('given a reservation saved before its subscription is bought, then the subscription counts it once bought', () => {
    const saved = savedAfter(progress, [...onboarded(), reserved('s2', 'r1')]);
    const view = resumed(progress, saved, [purchased('s2', 't-p1'), reserved('s2', 'r1')]) as ReadonlyMap<
      string,
      PartnerOverview
    >;
    expect(view.get('p1')?.subscriptions.map((s) => s.reservations)).toEqual([0, 1]);
  });

  it('given saved partners repeating a reservation id, then load refuses it naming the field', () => {
    const saved = JSON.parse(savedAfter(progress, [...onboarded(), reserved('s1', 'r1')])) as {
      lines: { reservations: unknown[] }[];
    };
    saved.lines[0]?.reservations.push({ reservationId: 'r1', subscriptionId: 's1' });
    expect(overviewProgress.load(saved)).toEqual(
      E.left(
        expect.objectContaining({
          code: 'MALFORMED_PROGRESS',
          details: ['lines[0].reservations[1].reservationId'],
        }),
      ),
    );
  });

  it('given a saved subscription with an unknown status, then load refuses it naming the field', () => {
    const saved = JSON.parse(savedAfter(progress, onboarded())) as { lines: { subscriptions: object[] }[] };
    saved.lines[0]?.subscriptions.splice(0, 1, { subscriptionId: 's1', status: 'paused' });
    expect(overviewProgress.load(saved)).toEqual(
      E.left(expect.objectContaining({ details: ['lines[0].subscriptions[0].status'] })),
    );
  });
});

describe('apply goes on from the view it is given, latest or not', () => {
  it('given a tenant applied to init, when usage is applied to init again, then the line has no customer yet', () => {
    reconciliation.apply(reconciliation.init, tenantCreated('t-p1'));
    const [line] = reconciliation.apply(reconciliation.init, usageRecorded());
    expect(line?.customerId).toBe('');
  });

  it('given a view gone on from twice, then each branch equals projecting its own log', () => {
    const base = project(reconciliation, [tenantCreated('t-p1'), usageRecorded({ usageId: 'u-1' })]);
    const left = reconciliation.apply(base, usageRecorded({ usageId: 'u-2' }));
    const right = reconciliation.apply(base, usageRecorded({ usageId: 'u-1' }));
    expect(left.map((l) => l.usageId)).toEqual(['u-1', 'u-2']);
    expect(right).toEqual(base);
  });
});

describe.each(cases)('%s: going on from any earlier view', (_name, projection) => {
  it('property: apply on the view after any prefix of a chain equals projecting that prefix and the event', () => {
    fc.assert(
      fc.property(anyLog(20), fc.nat(), (log, pick) => {
        const views = [projection.init];
        for (const event of log) views.push(projection.apply(views[views.length - 1], event));
        const at = pick % views.length;
        const event = log[(at + 1) % Math.max(log.length, 1)];
        if (event === undefined) return;
        expect(projection.apply(views[at], event)).toEqual(project(projection, [...log.slice(0, at), event]));
      }),
      { numRuns: 80 },
    );
  });
});
