import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { asOf, invoice, overview, project, projectAsOf, reconciliation, type DomainEvent } from 'apss-domain';
import { cancelled, purchased, tenantCreated, usageRecorded } from '../builders.js';

const log: DomainEvent[] = [
  tenantCreated('t1', { at: '2024-01-31T10:00:00Z' }),
  purchased('s1', 't1', { at: '2024-01-31T10:00:00Z' }),
  usageRecorded({ usageId: 'jan', usageDate: '2024-01-31', unitPrice: 1, at: '2024-01-31T23:00:00Z' }),
  cancelled('s1', { at: '2024-02-01T09:00:00Z' }),
  usageRecorded({ usageId: 'feb', usageDate: '2024-02-01', unitPrice: 2, at: '2024-02-01T09:00:00Z' }),
];

const usageIdsAsOf = (instant: string) =>
  E.map((view: readonly { usageId: string }[]) => view.map((line) => line.usageId))(
    projectAsOf(reconciliation, log, instant),
  );

describe('time travel: a view as of an instant, from the events at or before it', () => {
  it('as of an instant before the first event, every view is empty', () => {
    expect(projectAsOf(reconciliation, log, '2024-01-31T09:59:59.999Z')).toEqual(E.right([]));
    expect(projectAsOf(invoice, log, '2024-01-01T00:00:00Z')).toEqual(E.right([]));
    expect(
      E.map((view: ReadonlyMap<string, unknown>) => view.size)(
        projectAsOf(overview, log, '2020-01-01T00:00Z'),
      ),
    ).toEqual(E.right(0));
  });

  it('as of the very instant of an event, the event is in the view', () => {
    expect(usageIdsAsOf('2024-01-31T23:00:00Z')).toEqual(E.right(['jan']));
  });

  it('as of a millisecond before an event, it is not', () => {
    expect(usageIdsAsOf('2024-01-31T22:59:59.999Z')).toEqual(E.right([]));
  });

  it('as of an instant after an event and before the next, the view stands between them', () => {
    const view = projectAsOf(overview, log, '2024-02-01T08:59:59Z');
    expect(E.map((v: typeof overview.init) => v.get('p1')?.subscriptions[0]?.status)(view)).toEqual(
      E.right('active'),
    );
    const later = projectAsOf(overview, log, '2024-02-01T09:00:00Z');
    expect(E.map((v: typeof overview.init) => v.get('p1')?.subscriptions[0]?.status)(later)).toEqual(
      E.right('cancelled'),
    );
  });

  it('as of an instant after the last event, the view is the whole log', () => {
    expect(projectAsOf(invoice, log, '2030-01-01T00:00:00Z')).toEqual(E.right(project(invoice, log)));
  });

  it('an instant with an offset is compared as an instant, not as text', () => {
    // 2024-02-01T00:00:00+01:00 is 2024-01-31T23:00:00Z: the January usage is in, nothing of February.
    expect(usageIdsAsOf('2024-02-01T00:00:00+01:00')).toEqual(E.right(['jan']));
    // 2024-01-31T23:59:00-01:00 is 2024-02-01T00:59:00Z, still before the cancellation at 09:00Z.
    expect(usageIdsAsOf('2024-01-31T23:59:00-01:00')).toEqual(E.right(['jan']));
    expect(usageIdsAsOf('2024-02-01T10:00:00+01:00')).toEqual(E.right(['jan', 'feb']));
  });

  it('events out of order in the log are taken by their instant, not by their place', () => {
    const shuffled = [log[0], log[1], log[4], log[2]] as DomainEvent[];
    expect(
      E.map((view: readonly { usageId: string }[]) => view.map((line) => line.usageId))(
        projectAsOf(reconciliation, shuffled, '2024-02-01T00:00:00Z'),
      ),
    ).toEqual(E.right(['jan']));
  });

  it.each([
    ['yesterday', 'as-of must be an ISO-8601 instant with Z or an offset'],
    ['2024-02-01T00:00:00', 'as-of must be an ISO-8601 instant with Z or an offset'],
    ['2024-02-30T00:00:00Z', '(got "2024-02-30T00:00:00Z")'],
    [1706745600000, '(got 1706745600000)'],
    [undefined, '(got nothing)'],
  ])('an as-of of %j is refused with the reason, never thrown', (instant, reason) => {
    const result = projectAsOf(invoice, log, instant);
    expect(E.isLeft(result)).toBe(true);
    expect(E.isLeft(result) && result.left).toContain(reason);
    expect(E.isLeft(asOf(instant))).toBe(true);
  });

  it('asOf gives a filter for any sequence of events', () => {
    const keep = asOf('2024-01-31T23:00:00Z');
    expect(
      E.map((atOrBefore: (event: DomainEvent) => boolean) => log.filter(atOrBefore).length)(keep),
    ).toEqual(E.right(3));
  });
});
