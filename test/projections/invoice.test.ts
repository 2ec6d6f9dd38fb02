import { describe, expect, it } from 'vitest';
import { invoice, project } from 'apss-domain';
import { cancelled, migrated, onboarded, purchased, usageRecorded } from '../builders.js';

describe('invoice: the "Microsoft Azure" line item per partner, month (UTC) and currency', () => {
  it('given no events, then there are no invoice lines', () => {
    expect(project(invoice, [])).toEqual([]);
    expect(invoice.init).toEqual([]);
  });

  it('given usage on the last day of January and the first of February, then they fall in two months', () => {
    const view = project(invoice, [
      ...onboarded(),
      usageRecorded({ usageDate: '2024-01-31', unitPrice: 2 }),
      usageRecorded({ usageDate: '2024-02-01', unitPrice: 3 }),
      usageRecorded({ usageDate: '2024-01-01', unitPrice: 5 }),
    ]);
    expect(view).toEqual([
      { partnerId: 'p1', month: '2024-01', lineItem: 'Microsoft Azure', currency: 'EUR', total: '7' },
      { partnerId: 'p1', month: '2024-02', lineItem: 'Microsoft Azure', currency: 'EUR', total: '3' },
    ]);
  });

  it('given usage dated 31 January but recorded on 1 February (UTC), then it is January consumption', () => {
    const view = project(invoice, [
      ...onboarded(),
      usageRecorded({ usageDate: '2024-01-31', at: '2024-01-31T23:30:00-02:00' }),
    ]);
    expect(view.map((line) => line.month)).toEqual(['2024-01']);
  });

  it('given usage across a year end, then December and January are separate months', () => {
    const view = project(invoice, [
      ...onboarded(),
      usageRecorded({ usageDate: '2023-12-31' }),
      usageRecorded({ usageDate: '2024-01-01' }),
    ]);
    expect(view.map((line) => line.month)).toEqual(['2023-12', '2024-01']);
  });

  it('given EUR and USD usage in one month, then each currency has its own line and they never add up', () => {
    const view = project(invoice, [
      ...onboarded(),
      usageRecorded({ currency: 'USD', quantity: 0.1, unitPrice: 1 }),
      usageRecorded({ currency: 'EUR', quantity: 0.2, unitPrice: 1 }),
      usageRecorded({ currency: 'USD', quantity: 0.2, unitPrice: 1 }),
    ]);
    expect(view.map(({ currency, total }) => [currency, total])).toEqual([
      ['EUR', '0.2'],
      ['USD', '0.3'],
    ]);
  });

  it('given several partners interleaved, then each has its own lines, ordered by partner, month, currency', () => {
    const view = project(invoice, [
      ...onboarded('p2'),
      ...onboarded('p1'),
      usageRecorded({ partnerId: 'p2', usageDate: '2024-02-03', unitPrice: 4 }),
      usageRecorded({ partnerId: 'p1', usageDate: '2024-02-03', unitPrice: 1 }),
      usageRecorded({ partnerId: 'p2', usageDate: '2024-01-03', currency: 'USD', unitPrice: 2 }),
      usageRecorded({ partnerId: 'p2', usageDate: '2024-01-03', unitPrice: 8 }),
    ]);
    expect(
      view.map(({ partnerId, month, currency, total }) => `${partnerId} ${month} ${currency} ${total}`),
    ).toEqual(['p1 2024-02 EUR 1', 'p2 2024-01 EUR 8', 'p2 2024-01 USD 2', 'p2 2024-02 EUR 4']);
  });

  it('given usage of a subscription before and on the day it was cancelled, then it is all billed', () => {
    const view = project(invoice, [
      ...onboarded(),
      usageRecorded({ usageDate: '2024-01-10', unitPrice: 1 }),
      cancelled('s1', { at: '2024-01-20T12:00:00Z' }),
      usageRecorded({ usageDate: '2024-01-20', unitPrice: 2, at: '2024-01-21T01:00:00Z' }),
    ]);
    expect(view).toMatchObject([{ month: '2024-01', total: '3' }]);
  });

  it('given usage of a subscription migrated to Web Direct, then the usage before the migration stays billed', () => {
    const view = project(invoice, [
      ...onboarded(),
      purchased('s2', 't-p1'),
      usageRecorded({ subscriptionId: 's1', unitPrice: 1.5 }),
      migrated('s1'),
      usageRecorded({ subscriptionId: 's2', unitPrice: 2.25 }),
    ]);
    expect(view).toMatchObject([{ month: '2024-01', total: '3.75' }]);
  });

  it('given the same usage id delivered twice for a partner, then it is billed once (the first record counts)', () => {
    const view = project(invoice, [
      ...onboarded(),
      ...onboarded('p2'),
      usageRecorded({ usageId: 'dup', unitPrice: 1 }),
      usageRecorded({ usageId: 'dup', unitPrice: 100 }),
      usageRecorded({ usageId: 'dup', unitPrice: 7, partnerId: 'p2' }),
    ]);
    expect(view.map(({ partnerId, total }) => [partnerId, total])).toEqual([
      ['p1', '1'],
      ['p2', '7'],
    ]);
  });

  it('given usage with zero quantity, then its month has a line with total "0"', () => {
    expect(project(invoice, [...onboarded(), usageRecorded({ quantity: 0 })])).toMatchObject([
      { total: '0' },
    ]);
  });
});
