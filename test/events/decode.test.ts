import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBSCRIPTION_NAME, decodeEvent } from 'apss-domain';

const metadata = { actor: { id: 'ann', role: 'AdminAgent' }, at: '2018-05-01T10:00:00+02:00' };
const purchaseV1 = {
  type: 'ApssSubscriptionPurchased',
  data: { partnerId: 'p1', tenantId: 't1', subscriptionId: 's1' },
  metadata,
};
const deploymentV1 = {
  type: 'MarketplaceOfferDeployed',
  data: {
    partnerId: 'p1',
    subscriptionId: 's1',
    deploymentId: 'd1',
    offerId: 'o1',
    publisherId: 'pub',
    pricing: 'byol',
  },
  metadata: { ...metadata, schemaVersion: 1 },
};

const decoded = (input: unknown) => {
  const result = decodeEvent(input);
  if (E.isLeft(result)) throw new Error(result.left.message);
  return result.right;
};
const failure = (input: unknown) => {
  const result = decodeEvent(input);
  if (E.isRight(result)) throw new Error('expected MALFORMED_EVENT');
  expect(result.left.code).toBe('MALFORMED_EVENT');
  return result.left;
};

describe('decodeEvent upcasts old schema versions', () => {
  it('version 1 of ApssSubscriptionPurchased (no schemaVersion means 1) gets the default subscription name', () => {
    expect(decoded(purchaseV1)).toEqual({
      type: 'ApssSubscriptionPurchased',
      data: { ...purchaseV1.data, subscriptionName: DEFAULT_SUBSCRIPTION_NAME },
      metadata: { actor: metadata.actor, at: '2018-05-01T08:00:00.000Z', schemaVersion: 2 },
    });
  });
  it('version 1 of MarketplaceOfferDeployed gets the marketplace channel, the only one there was', () => {
    expect(decoded(deploymentV1).data).toEqual({ ...deploymentV1.data, channel: 'marketplace' });
  });
  it('upcasting is idempotent: an upcast event decodes to itself', () => {
    const once = decoded(deploymentV1);
    expect(decoded(once)).toEqual(once);
    expect(decoded(decoded(purchaseV1))).toEqual(decoded(purchaseV1));
  });
  it('keeps the version 1 reading strict: a v1 record with a channel is malformed', () => {
    expect(
      failure({ ...deploymentV1, data: { ...deploymentV1.data, channel: 'marketplace' } }).details,
    ).toEqual(['data.channel']);
  });
  it('a version 2 deployment without a channel is malformed, not guessed at', () => {
    expect(failure({ ...deploymentV1, metadata: { ...metadata, schemaVersion: 2 } }).details).toEqual([
      'data.channel',
    ]);
  });
  it('a version newer than the library knows is malformed, never guessed at', () => {
    const { details, message } = failure({ ...purchaseV1, metadata: { ...metadata, schemaVersion: 3 } });
    expect(details).toEqual(['metadata.schemaVersion']);
    expect(message).toContain('newer');
  });
  it.each([0, 1.5, '2'])('a schemaVersion of %j is malformed', (schemaVersion) => {
    expect(failure({ ...purchaseV1, metadata: { ...metadata, schemaVersion } }).details).toContain(
      'metadata.schemaVersion',
    );
  });
});

describe('decodeEvent names every offending field, and only those, of a record whose metadata is wrong', () => {
  const role = { ...metadata, actor: { id: 'ann', role: 'Owner' } };
  it('given an old record whose only fault is its role, its data is judged by its own version: only metadata.actor.role', () => {
    expect(failure({ ...deploymentV1, metadata: { ...role, schemaVersion: 1 } }).details).toEqual([
      'metadata.actor.role',
    ]);
    expect(failure({ ...purchaseV1, metadata: role }).details).toEqual(['metadata.actor.role']);
  });
  it('given an old record with a bad instant and bad data, both are named', () => {
    const bad = {
      ...purchaseV1,
      data: { ...purchaseV1.data, tenantId: '' },
      metadata: { ...metadata, at: 'x' },
    };
    expect(failure(bad).details).toEqual(['metadata.at', 'data.tenantId']);
  });
  it("given a record of the current version's data and no version, it is read as version 1, and the message says to give the version", () => {
    const current = { ...purchaseV1, data: { ...purchaseV1.data, subscriptionName: 'mine' } };
    const { details, message } = failure(current);
    expect(details).toEqual(['data.subscriptionName', 'metadata.schemaVersion']);
    expect(message).toContain(
      'metadata.schemaVersion is not given, which means version 1, and the data is of version 2: give schemaVersion 2',
    );
    const alsoBadRole = { ...current, metadata: { ...metadata, actor: { id: 'ann', role: 'Owner' } } };
    expect(failure(alsoBadRole).details).toEqual([
      'metadata.actor.role',
      'data.subscriptionName',
      'metadata.schemaVersion',
    ]);
  });
  it('given a version that is not one, the data is not judged by a version guessed at', () => {
    expect(failure({ ...purchaseV1, metadata: { ...metadata, schemaVersion: 'one' } }).details).toEqual([
      'metadata.schemaVersion',
    ]);
  });
});

describe('decodeEvent refuses what is not an event', () => {
  it.each([
    ['null', null, '(root)'],
    ['a number', 42, '(root)'],
    ['an unknown type', { ...purchaseV1, type: 'TenantDeleted' }, 'type'],
    ['a command', { ...purchaseV1, type: 'PurchaseApss' }, 'type'],
    [
      'an instant without a zone',
      { ...purchaseV1, metadata: { ...metadata, at: '2018-05-01T10:00:00' } },
      'metadata.at',
    ],
    ['a missing actor', { ...purchaseV1, metadata: { at: metadata.at } }, 'metadata.actor'],
    ['an unknown data field', { ...purchaseV1, data: { ...purchaseV1.data, price: 1 } }, 'data.price'],
  ])('%s', (_, input, path) => {
    expect(failure(input).details).toContain(path);
  });
  it('keeps top-level and metadata fields a store adds of its own out of the event', () => {
    const event = decoded({
      ...purchaseV1,
      kind: 'Event',
      metadata: { ...metadata, streamName: 'partner-p1' },
    });
    expect(Object.keys(event)).toEqual(['type', 'data', 'metadata']);
    expect(event.metadata).not.toHaveProperty('streamName');
  });
});
