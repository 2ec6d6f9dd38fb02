import { AssertionError } from 'node:assert';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { apssDecider, rules2023, type Decider } from 'apss-domain';
import { given } from 'apss-domain/testing';

// The given/when/then helper of apss-domain/testing: given events, when a command, then events or a code.

const actor = { id: 'ann', role: 'AdminAgent' };
const tenantCreated = {
  type: 'SharedTenantCreated',
  data: { partnerId: 'p1', tenantId: 't1' },
  metadata: { actor, at: '2020-01-01T00:00:00Z', schemaVersion: 1 },
};
const purchasedV1 = {
  type: 'ApssSubscriptionPurchased',
  data: { partnerId: 'p1', tenantId: 't1', subscriptionId: 's1' },
  metadata: { actor, at: '2020-01-01T00:00:00Z' },
};
const cancel = (role = 'AdminAgent') => ({
  type: 'CancelSubscription',
  data: { partnerId: 'p1', subscriptionId: 's1' },
  metadata: { actor: { id: 'ann', role }, at: '2020-01-02T01:00:00+01:00' },
});
const cancelled = {
  type: 'SubscriptionCancelled',
  data: { partnerId: 'p1', subscriptionId: 's1' },
  metadata: { actor, at: '2020-01-02T00:00:00Z' },
};

describe('given events, when a command, then events or a rejection', () => {
  it('given legacy records, then they are upcast and folded: the state knows the subscription, named by default', () => {
    const { state } = given([tenantCreated, purchasedV1]);
    expect(state.version).toBe(2);
    expect(state.subscriptions.get('s1')?.subscriptionName).toBe('Azure - Internal/Shared Services');
  });

  it('thenEvents compares with the expected events decoded as givens are (instants in UTC, current versions)', () => {
    const events = given([tenantCreated, purchasedV1]).when(cancel()).thenEvents([cancelled]);
    expect(events[0]?.metadata).toEqual({ actor, at: '2020-01-02T00:00:00.000Z', schemaVersion: 1 });
  });

  it('thenEvents throws an AssertionError showing both logs when other events were recorded', () => {
    const other = { ...cancelled, data: { ...cancelled.data, subscriptionId: 's2' } };
    const then = given([tenantCreated, purchasedV1]).when(cancel());
    expect(() => then.thenEvents([other])).toThrow(AssertionError);
    expect(() => then.thenEvents([other])).toThrow(
      /expected these events:\n.*p1\/s2\nbut it recorded:\n.*p1\/s1/,
    );
  });

  it('thenEvents throws naming the code when the command was refused', () => {
    expect(() => given([]).when(cancel()).thenEvents()).toThrow(/refused with SUBSCRIPTION_NOT_FOUND/);
  });

  it('thenRejected answers the rejection, and throws when the command was accepted or refused otherwise', () => {
    expect(given([]).when(cancel()).thenRejected('SUBSCRIPTION_NOT_FOUND').code).toBe(
      'SUBSCRIPTION_NOT_FOUND',
    );
    const then = given([tenantCreated, purchasedV1]).when(cancel());
    expect(() => then.thenRejected('DUPLICATE_ID')).toThrow(
      /expected it to be refused with DUPLICATE_ID, but it recorded/,
    );
    expect(() => given([]).when(cancel()).thenRejected('DUPLICATE_ID')).toThrow(
      /refused with DUPLICATE_ID, but it was refused with SUBSCRIPTION_NOT_FOUND/,
    );
  });

  it('when a malformed command, then INVALID_COMMAND naming its fields, as handle does', () => {
    const rejection = given([])
      .when({ ...cancel(), data: { partnerId: 'p1' } })
      .thenRejected('INVALID_COMMAND');
    expect(rejection.details).toEqual(['data.subscriptionId']);
  });

  it('decides by the rules given, or by a decider of yours', () => {
    given([tenantCreated, purchasedV1], { rules: rules2023 })
      .when(cancel('GlobalAdmin'))
      .thenRejected('ROLE_NOT_PERMITTED');
    given([tenantCreated, purchasedV1]).when(cancel('GlobalAdmin')).thenEvents();
    const refusing: Decider = {
      ...apssDecider(),
      decide: () => E.left({ code: 'MARKETPLACE_CUTOFF', message: 'no' }),
    };
    given([tenantCreated, purchasedV1], { decider: refusing })
      .when(cancel())
      .thenRejected('MARKETPLACE_CUTOFF');
  });

  it('refuses, as a TypeError at set-up, a given that is not an event (naming it) and options it cannot use', () => {
    expect(() => given([tenantCreated, { ...purchasedV1, data: { partnerId: 'p1' } }])).toThrow(
      /history\[1\] is not an event: .*data\.tenantId/,
    );
    expect(() => given([], { rules: rules2023, decider: apssDecider() })).toThrow(
      /rules or a decider, not both/,
    );
    expect(() => given([], { decider: {} } as never)).toThrow(TypeError);
  });
});
