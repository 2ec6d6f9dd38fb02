import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { fold, project, reservations, reservationsProgress } from 'apss-domain';
import { anyLog, purchased, reserved, tenantCreated } from '../builders.js';

// DOMAIN.md, consumption: "Reserved instances are listed with their term and scope".
describe('reservations: every reserved instance bought, with its term and scope', () => {
  const log = [
    tenantCreated('t1', { at: '2021-01-04T08:00:00Z' }),
    purchased('s1', 't1', { at: '2021-01-04T08:00:00Z' }),
    reserved('s1', 'ri-1', { at: '2021-01-05T09:00:00+01:00' }),
    // The same reservation id again (R9 finds it): the partner's state keeps the first, and so does the list.
    reserved('s1', 'ri-1', { at: '2021-01-06T09:00:00Z' }),
    tenantCreated('t2', { partnerId: 'p2', at: '2021-01-06T10:00:00Z' }),
    reserved('s2', 'ri-1', { partnerId: 'p2', at: '2021-01-07T10:00:00Z' }),
  ];

  it('given purchases of two partners, one repeated, then each is listed once, in log order, its instant in UTC', () => {
    const line = (partnerId: string, subscriptionId: string, purchasedAt: string) => ({
      partnerId,
      subscriptionId,
      reservationId: 'ri-1',
      sku: 'D2s_v5',
      region: 'westeurope',
      term: 'P1Y',
      scope: 'single',
      quantity: 2,
      purchasedAt,
    });
    expect(project(reservations, log)).toEqual([
      line('p1', 's1', '2021-01-05T08:00:00.000Z'),
      line('p2', 's2', '2021-01-07T10:00:00.000Z'),
    ]);
  });

  it("property: a partner's lines are the reservations its state holds, in the same order", () => {
    fc.assert(
      fc.property(anyLog(), (events) => {
        const lines = project(reservations, events);
        for (const partnerId of new Set(events.map((event) => event.data.partnerId))) {
          const state = fold(events.filter((event) => event.data.partnerId === partnerId));
          expect(lines.filter((line) => line.partnerId === partnerId)).toEqual(
            [...state.reservations.values()].map((record) => ({
              partnerId,
              subscriptionId: record.subscriptionId,
              reservationId: record.reservationId,
              sku: record.sku,
              region: record.region,
              term: record.term,
              scope: record.scope,
              quantity: record.quantity,
              purchasedAt: record.purchasedAt,
            })),
          );
        }
      }),
    );
  });

  it('given saved lines repeating a reservation id of a partner, or an instant not in UTC, then load refuses them naming the field', () => {
    const [line] = project(reservations, log);
    const saved = (lines: unknown[]) => ({ projection: 'reservations', version: 1, lines });
    const refused = reservationsProgress.load(saved([line, line]));
    expect(E.isLeft(refused) && refused.left.details).toEqual(['lines[1].reservationId']);
    const local = reservationsProgress.load(saved([{ ...line, purchasedAt: '2021-01-05T09:00:00+01:00' }]));
    expect(E.isLeft(local) && local.left.details).toEqual(['lines[0].purchasedAt']);
    expect(E.isRight(reservationsProgress.load(saved([line])))).toBe(true);
  });
});
