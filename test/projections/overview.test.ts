import { describe, expect, it } from 'vitest';
import { overview, project } from 'apss-domain';
import {
  cancelled,
  deployed,
  migrated,
  onboarded,
  provisioned,
  purchased,
  reserved,
  tenantCreated,
  usageRecorded,
} from '../builders.js';

describe('overview: per partner, its shared tenant and APSS subscriptions', () => {
  it('given no events, then the overview is empty', () => {
    expect(project(overview, []).size).toBe(0);
  });

  it('given subscriptions that are active, cancelled and migrated, then each shows its status, in purchase order', () => {
    const view = project(overview, [
      ...onboarded(),
      purchased('s2', 't-p1'),
      purchased('s3', 't-p1'),
      cancelled('s2'),
      migrated('s3'),
    ]);
    expect(view.get('p1')).toEqual({
      partnerId: 'p1',
      sharedTenantId: 't-p1',
      subscriptions: [
        { subscriptionId: 's1', status: 'active', reservations: 0, deployments: 0 },
        { subscriptionId: 's2', status: 'cancelled', reservations: 0, deployments: 0 },
        { subscriptionId: 's3', status: 'migrated', reservations: 0, deployments: 0 },
      ],
    });
  });

  it('given reservations and deployments, then each subscription counts its own (a repeated id once)', () => {
    const view = project(overview, [
      ...onboarded(),
      purchased('s2', 't-p1'),
      reserved('s1', 'r1'),
      reserved('s1', 'r2'),
      reserved('s2', 'r1'),
      deployed('s2', 'd1'),
      reserved('s2', 'r3'),
    ]);
    expect(view.get('p1')?.subscriptions).toEqual([
      { subscriptionId: 's1', status: 'active', reservations: 2, deployments: 0 },
      { subscriptionId: 's2', status: 'active', reservations: 1, deployments: 1 },
    ]);
  });

  it('given a migrated subscription is later cancelled (an inadmissible log), then it stays migrated, as in evolve', () => {
    const view = project(overview, [...onboarded(), migrated('s1'), cancelled('s1')]);
    expect(view.get('p1')?.subscriptions[0]?.status).toBe('migrated');
  });

  it('given several partners, then they are listed in the order they first appear', () => {
    const view = project(overview, [
      provisioned('o365', 'svc1', { partnerId: 'p3' }),
      ...onboarded('p1'),
      usageRecorded({ partnerId: 'p2' }),
      tenantCreated('t-p3', { partnerId: 'p3' }),
    ]);
    expect([...view.keys()]).toEqual(['p3', 'p1', 'p2']);
    expect(view.get('p3')).toEqual({ partnerId: 'p3', sharedTenantId: 't-p3', subscriptions: [] });
    expect(view.get('p2')).toEqual({ partnerId: 'p2', sharedTenantId: null, subscriptions: [] });
  });

  it('given an overview, then it cannot be changed by its reader', () => {
    const view = project(overview, onboarded());
    expect(() => (view as Map<string, unknown>).set('p9', {})).toThrow();
    expect(Object.isFrozen(view.get('p1'))).toBe(true);
    expect(Object.isFrozen(view.get('p1')?.subscriptions[0])).toBe(true);
  });
});
