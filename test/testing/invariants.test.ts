import { describe, expect, it } from 'vitest';
import { defaultRules, fold, initialState, type PartnerState } from 'apss-domain';
import { brokenInvariants, invariants, invariantsFor } from 'apss-domain/testing';
import {
  cancelled,
  deployed,
  provisioned,
  purchased,
  reserved,
  tenantCreated,
  usageRecorded,
} from '../builders.js';

// Events written by hand, as a log could hold them whatever the rules say: fold applies them all.
const opening = [
  tenantCreated('t1', { at: '2019-02-01T10:00:00.000Z' }),
  purchased('s1', 't1', { at: '2019-02-01T10:00:00.000Z' }),
];

/** A state that keeps every invariant: everything the rules allow, near every edge. */
const allowed = fold([
  ...opening,
  provisioned('t2', 'svc1', { at: '2019-02-01T11:00:00.000Z' }),
  reserved('s1', 'r1', { at: '2019-02-01T12:00:00.000Z' }),
  deployed('s1', 'd1', { at: '2019-02-28T23:59:59.999Z' }, { pricing: 'byol', channel: 'marketplace' }),
  deployed('s1', 'd2', { at: '2019-03-01T00:00:00.000Z' }, { pricing: 'free', channel: 'isv-direct' }),
  usageRecorded({
    usageId: 'u1',
    subscriptionId: 's1',
    usageDate: '2019-02-01',
    at: '2019-03-01T00:00:00.000Z',
  }),
  cancelled('s1', { at: '2019-03-02T00:00:00.000Z' }),
  usageRecorded({
    usageId: 'u2',
    subscriptionId: 's1',
    usageDate: '2019-03-02',
    at: '2019-03-05T00:00:00.000Z',
  }),
]);

// For each invariant, states that break it and nothing else it could be confused with.
const breaking: Record<string, readonly [string, PartnerState][]> = {
  'one-shared-tenant': [
    [
      'a subscription in another tenant',
      fold([...opening, purchased('s2', 't2', { at: '2019-02-02T00:00:00.000Z' })]),
    ],
    [
      'a subscription without a shared tenant',
      fold([purchased('s1', 't1', { at: '2019-02-01T10:00:00.000Z' })]),
    ],
  ],
  'shared-tenant-exclusive': [
    [
      'a service on the shared tenant',
      fold([...opening, provisioned('t1', 'svc1', { at: '2019-02-02T00:00:00.000Z' })]),
    ],
    [
      'a tenant with a service made the shared tenant',
      fold([
        provisioned('t1', 'svc1', { at: '2019-02-01T09:00:00.000Z' }),
        tenantCreated('t1', { at: '2019-02-01T10:00:00.000Z' }),
      ]),
    ],
  ],
  'marketplace-cutoff': [
    [
      'a BYOL Marketplace deployment at the cutoff',
      fold([
        ...opening,
        deployed('s1', 'd1', { at: '2019-03-01T00:00:00.000Z' }, { pricing: 'byol', channel: 'marketplace' }),
      ]),
    ],
    [
      'a free Marketplace deployment after the cutoff',
      fold([
        ...opening,
        deployed('s1', 'd1', { at: '2020-01-01T00:00:00.000Z' }, { pricing: 'free', channel: 'marketplace' }),
      ]),
    ],
  ],
  'no-paid-third-party': [
    [
      'a paid ISV-direct deployment before the cutoff',
      fold([
        ...opening,
        deployed('s1', 'd1', { at: '2019-02-02T00:00:00.000Z' }, { pricing: 'paid', channel: 'isv-direct' }),
      ]),
    ],
  ],
  'subscription-life': [
    [
      'a reservation on an unknown subscription',
      fold([...opening, reserved('s9', 'r1', { at: '2019-02-02T00:00:00.000Z' })]),
    ],
    [
      'a reservation after its subscription ended',
      fold([
        ...opening,
        cancelled('s1', { at: '2019-02-02T00:00:00.000Z' }),
        reserved('s1', 'r1', { at: '2019-02-03T00:00:00.000Z' }),
      ]),
    ],
    [
      'a deployment after its subscription ended',
      fold([
        ...opening,
        cancelled('s1', { at: '2019-02-02T00:00:00.000Z' }),
        deployed('s1', 'd1', { at: '2019-02-03T00:00:00.000Z' }, { pricing: 'byol', channel: 'isv-direct' }),
      ]),
    ],
    [
      'usage dated before its subscription was bought',
      fold([
        ...opening,
        usageRecorded({
          usageId: 'u1',
          subscriptionId: 's1',
          usageDate: '2019-01-31',
          at: '2019-02-02T00:00:00.000Z',
        }),
      ]),
    ],
    [
      'usage dated after its subscription ended',
      fold([
        ...opening,
        cancelled('s1', { at: '2019-02-02T00:00:00.000Z' }),
        usageRecorded({
          usageId: 'u1',
          subscriptionId: 's1',
          usageDate: '2019-02-03',
          at: '2019-02-04T00:00:00.000Z',
        }),
      ]),
    ],
    [
      'usage of an unknown subscription',
      fold([
        ...opening,
        usageRecorded({
          usageId: 'u1',
          subscriptionId: 's9',
          usageDate: '2019-02-01',
          at: '2019-02-02T00:00:00.000Z',
        }),
      ]),
    ],
  ],
  'time-never-decreases': [
    [
      'a record added after another of its kind, and earlier than it',
      fold([
        ...opening,
        provisioned('t2', 'svc1', { at: '2019-02-01T11:00:00.000Z' }),
        provisioned('t3', 'svc2', { at: '2019-02-01T10:59:59.999Z' }),
      ]),
    ],
    [
      'a subscription that ends before it began',
      fold([
        ...opening,
        purchased('s2', 't1', { at: '2019-02-01T11:00:00.000Z' }),
        cancelled('s2', { at: '2019-02-01T10:30:00.000Z' }),
      ]),
    ],
  ],
};

describe('the invariants as values', () => {
  it('are the six the issue names, each with an id and a description', () => {
    expect(invariants.map((i) => i.id)).toEqual(Object.keys(breaking));
    for (const invariant of invariants) expect(invariant.description.length).toBeGreaterThan(20);
  });

  it('all hold on a partner with no events', () => {
    expect(brokenInvariants(initialState)).toEqual([]);
  });

  it('all hold on a state with everything the rules allow, up to their edges', () => {
    expect(brokenInvariants(allowed)).toEqual([]);
  });

  for (const [id, states] of Object.entries(breaking))
    for (const [what, state] of states)
      it(`${id} fails on ${what}, and only it does`, () => {
        expect(brokenInvariants(state)).toEqual([id]);
      });

  it('take the cutoff of the rule set they are made for', () => {
    const later = { ...defaultRules, name: 'later cutoff', marketplaceCutoff: '2020-01-01T00:00:00.000Z' };
    const state = fold([
      ...opening,
      deployed('s1', 'd1', { at: '2019-06-01T00:00:00.000Z' }, { pricing: 'byol', channel: 'marketplace' }),
    ]);
    expect(brokenInvariants(state)).toEqual(['marketplace-cutoff']);
    expect(brokenInvariants(state, invariantsFor(later))).toEqual([]);
  });

  it('do not hold on a value that is not a PartnerState', () => {
    for (const junk of [null, undefined, {}, [], 'state', { ...initialState, version: '0' }])
      expect(brokenInvariants(junk as unknown as PartnerState)).toEqual(invariants.map((i) => i.id));
  });

  it('do not throw on a state whose records are not records, and do not hold where they look at them', () => {
    const state = { ...initialState, subscriptions: new Map([['s1', null]]) } as unknown as PartnerState;
    expect(brokenInvariants(state)).toEqual([
      'one-shared-tenant',
      'subscription-life',
      'time-never-decreases',
    ]);
  });

  it('refuse to be made for a rule set that is not one, saying which field', () => {
    expect(() => invariantsFor({ ...defaultRules, marketplaceCutoff: 'soon' })).toThrow(
      /invariantsFor: invalid .*marketplaceCutoff/,
    );
  });
});
