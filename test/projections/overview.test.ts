import { describe, expect, it } from 'vitest';
import { overview, project } from 'apss-domain';
import {
  cancel,
  deploy,
  migrate,
  onboarded,
  provision,
  purchase,
  reserve,
  tenant,
  usage,
} from './fixtures.js';

describe('overview: per partner, its shared tenant and APSS subscriptions', () => {
  it('given no events, then the overview is empty', () => {
    expect(project(overview, []).size).toBe(0);
  });

  it('given subscriptions that are active, cancelled and migrated, then each shows its status, in purchase order', () => {
    const view = project(overview, [
      ...onboarded(),
      purchase('s2', 't-p1'),
      purchase('s3', 't-p1'),
      cancel('s2'),
      migrate('s3'),
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
      purchase('s2', 't-p1'),
      reserve('s1', 'r1'),
      reserve('s1', 'r2'),
      reserve('s2', 'r1'),
      deploy('s2', 'd1'),
      reserve('s2', 'r3'),
    ]);
    expect(view.get('p1')?.subscriptions).toEqual([
      { subscriptionId: 's1', status: 'active', reservations: 2, deployments: 0 },
      { subscriptionId: 's2', status: 'active', reservations: 1, deployments: 1 },
    ]);
  });

  it('given a migrated subscription is later cancelled (an inadmissible log), then it stays migrated, as in evolve', () => {
    const view = project(overview, [...onboarded(), migrate('s1'), cancel('s1')]);
    expect(view.get('p1')?.subscriptions[0]?.status).toBe('migrated');
  });

  it('given several partners, then they are listed in the order they first appear', () => {
    const view = project(overview, [
      provision('o365', 'svc1', { partnerId: 'p3' }),
      ...onboarded('p1'),
      usage({ partnerId: 'p2' }),
      tenant('t-p3', { partnerId: 'p3' }),
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
