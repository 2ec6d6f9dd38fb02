import { describe, expect, it } from 'vitest';
import { project, reconciliation } from 'apss-domain';
import { cancelled, migrated, onboarded, tenantCreated, usageRecorded } from '../builders.js';

describe('reconciliation: one line per usage record, for the shared tenant', () => {
  it('given a usage record, then its line carries every field, the shared tenant as customer and the exact total', () => {
    const recorded = {
      usageId: 'u-1',
      usageDate: '2024-03-31',
      meterCategory: 'Virtual Machines',
      meterName: 'D2s v5',
      quantity: 0.1,
      unitPrice: 0.2,
      currency: 'USD',
    };
    const view = project(reconciliation, [...onboarded(), usageRecorded(recorded)]);
    expect(view).toEqual([
      { partnerId: 'p1', customerId: 't-p1', subscriptionId: 's1', ...recorded, total: '0.02' },
    ]);
  });

  it('given partners interleaved in one log, then lines keep the log order and each names its own tenant', () => {
    const view = project(reconciliation, [
      ...onboarded('p1'),
      usageRecorded({ partnerId: 'p1', usageId: 'a' }),
      ...onboarded('p2'),
      usageRecorded({ partnerId: 'p2', usageId: 'b' }),
      usageRecorded({ partnerId: 'p1', usageId: 'c' }),
    ]);
    expect(view.map((line) => `${line.partnerId}/${line.customerId}/${line.usageId}`)).toEqual([
      'p1/t-p1/a',
      'p2/t-p2/b',
      'p1/t-p1/c',
    ]);
  });

  it('given usage of cancelled and migrated subscriptions, then their lines are listed like any other', () => {
    const view = project(reconciliation, [
      ...onboarded(),
      usageRecorded({ usageId: 'before' }),
      cancelled('s1'),
      usageRecorded({ usageId: 'on-the-day' }),
      ...onboarded('p2'),
      migrated('s1', { partnerId: 'p2' }),
      usageRecorded({ partnerId: 'p2', usageId: 'after-migration' }),
    ]);
    expect(view.map((line) => line.usageId)).toEqual(['before', 'on-the-day', 'after-migration']);
  });

  it('given the same usage id twice for one partner, then only the first record is a line', () => {
    const view = project(reconciliation, [
      ...onboarded(),
      usageRecorded({ usageId: 'x', quantity: 1 }),
      usageRecorded({ usageId: 'x', quantity: 2 }),
    ]);
    expect(view.map((line) => line.quantity)).toEqual([1]);
  });

  it('given usage logged before any shared tenant (an inadmissible log), then its customer is empty', () => {
    const view = project(reconciliation, [
      usageRecorded({ usageId: 'early' }),
      tenantCreated('t9'),
      usageRecorded({ usageId: 'late' }),
    ]);
    expect(view.map((line) => [line.usageId, line.customerId])).toEqual([
      ['early', ''],
      ['late', 't9'],
    ]);
  });

  it('given a second SharedTenantCreated (an inadmissible log), then the first tenant stays the customer', () => {
    const view = project(reconciliation, [...onboarded(), tenantCreated('t-other'), usageRecorded()]);
    expect(view[0]?.customerId).toBe('t-p1');
  });
});
