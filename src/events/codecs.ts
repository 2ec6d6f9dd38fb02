import type * as t from 'io-ts';
import { message, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { PositiveInteger } from '../lib/money.js';
import { Actor } from './roles.js';
import { Instant } from '../lib/time.js';
import {
  deploymentFields,
  migrationFields,
  reservationFields,
  serviceFields,
  subscriptionFields,
  subscriptionNameField,
  subscriptionPurchaseFields,
  tenantFields,
  usageFields,
} from './data.js';

/** Event metadata; `at` is decoded to UTC. Fields a store adds of its own are dropped. */
export const EventMetadata = struct(
  'EventMetadata',
  { actor: Actor, at: Instant },
  { schemaVersion: PositiveInteger, eventId: Id, causationId: Id, correlationId: Id },
  'strip',
);
export type EventMetadata = t.TypeOf<typeof EventMetadata>;

/** The data of each event type at its current schema version. */
export const eventData = {
  SharedTenantCreated: struct('SharedTenantCreated.data', tenantFields),
  ApssSubscriptionPurchased: struct('ApssSubscriptionPurchased.data', {
    ...subscriptionPurchaseFields,
    ...subscriptionNameField,
  }),
  SubscriptionCancelled: struct('SubscriptionCancelled.data', subscriptionFields),
  SubscriptionMigratedToWebDirect: struct('SubscriptionMigratedToWebDirect.data', migrationFields),
  ReservedInstancePurchased: struct('ReservedInstancePurchased.data', reservationFields),
  MarketplaceOfferDeployed: struct('MarketplaceOfferDeployed.data', deploymentFields),
  ServiceProvisioned: struct('ServiceProvisioned.data', serviceFields),
  UsageRecorded: struct('UsageRecorded.data', usageFields),
};

export type EventType = keyof typeof eventData;
export const eventTypes = Object.keys(eventData) as readonly EventType[];

/** The schema version each event type is written at now. */
export const currentVersion: { readonly [K in EventType]: number } = {
  SharedTenantCreated: 1,
  ApssSubscriptionPurchased: 2,
  SubscriptionCancelled: 1,
  SubscriptionMigratedToWebDirect: 1,
  ReservedInstancePurchased: 1,
  MarketplaceOfferDeployed: 2,
  ServiceProvisioned: 1,
  UsageRecorded: 1,
};

const eventCodec = <K extends EventType>(type: K) => message(type, eventData[type], EventMetadata);

/** One codec per event type, at the current version (no upcasting: see decodeEvent for that). */
export const eventCodecs = {
  SharedTenantCreated: eventCodec('SharedTenantCreated'),
  ApssSubscriptionPurchased: eventCodec('ApssSubscriptionPurchased'),
  SubscriptionCancelled: eventCodec('SubscriptionCancelled'),
  SubscriptionMigratedToWebDirect: eventCodec('SubscriptionMigratedToWebDirect'),
  ReservedInstancePurchased: eventCodec('ReservedInstancePurchased'),
  MarketplaceOfferDeployed: eventCodec('MarketplaceOfferDeployed'),
  ServiceProvisioned: eventCodec('ServiceProvisioned'),
  UsageRecorded: eventCodec('UsageRecorded'),
};

export type DomainEvent = { [K in EventType]: t.TypeOf<(typeof eventCodecs)[K]> }[EventType];
export type EventOf<K extends EventType> = Extract<DomainEvent, { readonly type: K }>;
export type EventData<K extends EventType> = EventOf<K>['data'];
