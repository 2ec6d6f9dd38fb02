import { instantMs } from '../../lib/time.js';
import type { DomainEvent } from '../../events/codecs.js';
import { DEFAULT_SUBSCRIPTION_NAME } from '../../events/data.js';
import { handle, handles, type EventHandlers } from '../../events/handlers.js';
import { CUTOFF_MS } from './activity.js';

/** The first schema version of the kinds that have a second: without the field that version added. */
const firstVersion: EventHandlers<'MarketplaceOfferDeployed' | 'ApssSubscriptionPurchased', void, object> = {
  MarketplaceOfferDeployed: (event) => {
    if (event.data.channel !== 'marketplace') return event;
    const { channel: _, ...data } = event.data;
    return { type: event.type, data, metadata: { ...event.metadata, schemaVersion: 1 } };
  },
  ApssSubscriptionPurchased: (event) => {
    if (event.data.subscriptionName !== DEFAULT_SUBSCRIPTION_NAME) return event;
    const { subscriptionName: _, ...data } = event.data;
    return { type: event.type, data, metadata: { ...event.metadata, schemaVersion: 1 } };
  },
};

/**
 * Events as a log of those years holds them: written before the cutoff, a Marketplace deployment and a
 * purchase under the default name are in their first schema version, which an audit upcasts.
 */
export const asWritten = (event: DomainEvent): object =>
  instantMs(event.metadata.at) < CUTOFF_MS && handles(firstVersion, event)
    ? handle(firstVersion, event, undefined)
    : event;
