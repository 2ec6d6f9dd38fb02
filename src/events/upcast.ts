import type * as t from 'io-ts';
import { struct } from '../lib/codec.js';
import { DEFAULT_SUBSCRIPTION_NAME, deploymentFieldsV1, subscriptionPurchaseFields } from './data.js';
import type { EventData, EventType } from './codecs.js';

/** How to read one old schema version of an event's data, and how to lift it to the next version. */
type Upcaster = { readonly data: t.Mixed; readonly upcast: (old: never) => unknown };

const purchaseV1 = struct('ApssSubscriptionPurchased.data@1', subscriptionPurchaseFields);
const deploymentV1 = struct('MarketplaceOfferDeployed.data@1', deploymentFieldsV1);

/** Old versions by event type and version number; the upcaster of version n yields version n + 1. */
export const upcasters: { readonly [K in EventType]?: { readonly [version: number]: Upcaster } } = {
  ApssSubscriptionPurchased: {
    1: {
      data: purchaseV1,
      upcast: (old: t.TypeOf<typeof purchaseV1>): EventData<'ApssSubscriptionPurchased'> => ({
        ...old,
        subscriptionName: DEFAULT_SUBSCRIPTION_NAME,
      }),
    },
  },
  MarketplaceOfferDeployed: {
    1: {
      data: deploymentV1,
      // Version 1 was written when the Marketplace was the only channel there was.
      upcast: (old: t.TypeOf<typeof deploymentV1>): EventData<'MarketplaceOfferDeployed'> => ({
        ...old,
        channel: 'marketplace',
      }),
    },
  },
};
