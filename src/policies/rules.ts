import * as O from 'fp-ts/lib/Option.js';
import type { RejectionCode } from './rejection.js';
import type { PartnerState } from '../state/state.js';
import { compareDayWithInstant, isEarlier, utcDayOf } from '../lib/time.js';
import type { DomainEvent, EventType } from '../events/codecs.js';
import type { CompiledRules } from './ruleSet.js';

/** A rule's judgement that an event is not admissible: which code, and why in words. */
export type Violation = { readonly code: RejectionCode; readonly message: string };

/** A rule judges one event against the partner's state just before it, under a rule set. */
export type Rule = {
  readonly id: `R${number}`;
  /** The kinds of event it judges; it finds nothing wrong with any other. */
  readonly events: 'every event' | readonly EventType[];
  readonly codes: readonly RejectionCode[];
  readonly description: string;
  readonly judge: (state: PartnerState, event: DomainEvent, rules: CompiledRules) => O.Option<Violation>;
};

const violation = (code: RejectionCode, message: string): O.Option<Violation> => O.some({ code, message });

/** The subscription an event acts on, for the events that act on one. */
const targetSubscription = (event: DomainEvent): string | undefined => {
  switch (event.type) {
    case 'SubscriptionCancelled':
    case 'SubscriptionMigratedToWebDirect':
    case 'ReservedInstancePurchased':
    case 'MarketplaceOfferDeployed':
    case 'UsageRecorded':
      return event.data.subscriptionId;
    default:
      return undefined;
  }
};

export const onePartner: Rule = {
  id: 'R1',
  codes: ['PARTNER_MISMATCH'],
  events: 'every event',
  description: "An event for one partner is never applied to another partner's state",
  judge: (state, event) =>
    state.partnerId !== null && event.data.partnerId !== state.partnerId
      ? violation(
          'PARTNER_MISMATCH',
          `event of partner ${event.data.partnerId} given to the state of partner ${state.partnerId}`,
        )
      : O.none,
};

export const chronology: Rule = {
  id: 'R2',
  codes: ['OUT_OF_ORDER'],
  events: 'every event',
  description: "A partner's events never go back in time",
  judge: (state, event) =>
    state.lastEventAt !== null && isEarlier(event.metadata.at, state.lastEventAt)
      ? violation(
          'OUT_OF_ORDER',
          `${event.type} at ${event.metadata.at} is earlier than the previous event at ${state.lastEventAt}`,
        )
      : O.none,
};

export const roles: Rule = {
  id: 'R3',
  codes: ['ROLE_NOT_PERMITTED'],
  events: 'every event',
  description:
    'Partner actions need GlobalAdmin, AdminAgent or SalesAgent (as the rule set says); usage needs System',
  judge: (_, event, rules) => {
    const { role, id } = event.metadata.actor;
    return rules.roles[event.type].has(role)
      ? O.none
      : violation(
          'ROLE_NOT_PERMITTED',
          `${role} ${id} may not record ${event.type} under rule set ${rules.source.name} (permitted: ${[...rules.roles[event.type]].join(', ')})`,
        );
  },
};

export const oneTenant: Rule = {
  id: 'R4',
  codes: ['TENANT_ALREADY_EXISTS'],
  events: ['SharedTenantCreated'],
  description: 'A partner has at most one shared services tenant, ever',
  judge: (state, event) =>
    event.type === 'SharedTenantCreated' && state.sharedTenantId !== null
      ? violation(
          'TENANT_ALREADY_EXISTS',
          `partner ${event.data.partnerId} already has the shared services tenant ${state.sharedTenantId}`,
        )
      : O.none,
};

export const freshTenant: Rule = {
  id: 'R5',
  codes: ['TENANT_NOT_EXCLUSIVE'],
  events: ['SharedTenantCreated'],
  description: 'A tenant that already has other services cannot become the shared services tenant',
  judge: (state, event) => {
    if (event.type !== 'SharedTenantCreated') return O.none;
    for (const service of state.services.values())
      if (service.tenantId === event.data.tenantId)
        return violation(
          'TENANT_NOT_EXCLUSIVE',
          `tenant ${event.data.tenantId} already has ${service.product} service ${service.serviceId}`,
        );
    return O.none;
  },
};

export const exclusiveTenant: Rule = {
  id: 'R6',
  codes: ['SHARED_TENANT_EXCLUSIVE'],
  events: ['ServiceProvisioned'],
  description:
    'The shared services tenant is for APSS only: no Office 365, Dynamics 365 or any other service',
  judge: (state, event) =>
    event.type === 'ServiceProvisioned' && event.data.tenantId === state.sharedTenantId
      ? violation(
          'SHARED_TENANT_EXCLUSIVE',
          `${event.data.product} service ${event.data.serviceId} on the shared services tenant ${event.data.tenantId}`,
        )
      : O.none,
};

export const offerPlacement: Rule = {
  id: 'R7',
  codes: ['NO_SHARED_TENANT', 'NOT_SHARED_TENANT'],
  events: ['ApssSubscriptionPurchased'],
  description: 'An APSS subscription can only be bought into the shared services tenant',
  judge: (state, event) => {
    if (event.type !== 'ApssSubscriptionPurchased') return O.none;
    if (state.sharedTenantId === null)
      return violation(
        'NO_SHARED_TENANT',
        `subscription ${event.data.subscriptionId} bought before partner ${event.data.partnerId} has a shared services tenant`,
      );
    return event.data.tenantId === state.sharedTenantId
      ? O.none
      : violation(
          'NOT_SHARED_TENANT',
          `subscription ${event.data.subscriptionId} bought into tenant ${event.data.tenantId}, not the shared services tenant ${state.sharedTenantId}`,
        );
  },
};

export const liveSubscription: Rule = {
  id: 'R8',
  codes: ['SUBSCRIPTION_NOT_FOUND', 'SUBSCRIPTION_NOT_ACTIVE'],
  events: [
    'SubscriptionCancelled',
    'SubscriptionMigratedToWebDirect',
    'ReservedInstancePurchased',
    'MarketplaceOfferDeployed',
    'UsageRecorded',
  ],
  description:
    'Cancel, migrate, buy an RI or deploy only on a known, active APSS subscription; usage needs a known one',
  judge: (state, event) => {
    const subscriptionId = targetSubscription(event);
    if (subscriptionId === undefined) return O.none;
    const subscription = state.subscriptions.get(subscriptionId);
    if (subscription === undefined)
      return violation(
        'SUBSCRIPTION_NOT_FOUND',
        `${event.type} names subscription ${subscriptionId}, which partner ${event.data.partnerId} does not have`,
      );
    return event.type === 'UsageRecorded' || subscription.status === 'active'
      ? O.none
      : violation(
          'SUBSCRIPTION_NOT_ACTIVE',
          `${event.type} on subscription ${subscriptionId}, which is ${subscription.status}`,
        );
  },
};

const duplicate = (kind: string, id: string, taken: { has(id: string): boolean }, partnerId: string) =>
  taken.has(id)
    ? violation('DUPLICATE_ID', `${kind} id ${id} is already used by partner ${partnerId}`)
    : O.none;

export const uniqueIds: Rule = {
  id: 'R9',
  codes: ['DUPLICATE_ID'],
  events: [
    'ApssSubscriptionPurchased',
    'ReservedInstancePurchased',
    'MarketplaceOfferDeployed',
    'ServiceProvisioned',
    'UsageRecorded',
  ],
  description: 'Subscription, reservation, deployment, service and usage ids are unique within a partner',
  judge: (state, { type, data }) => {
    switch (type) {
      case 'ApssSubscriptionPurchased':
        return duplicate('subscription', data.subscriptionId, state.subscriptions, data.partnerId);
      case 'ReservedInstancePurchased':
        return duplicate('reservation', data.reservationId, state.reservations, data.partnerId);
      case 'MarketplaceOfferDeployed':
        return duplicate('deployment', data.deploymentId, state.deployments, data.partnerId);
      case 'ServiceProvisioned':
        return duplicate('service', data.serviceId, state.services, data.partnerId);
      case 'UsageRecorded':
        return duplicate('usage', data.usageId, state.usage, data.partnerId);
      default:
        return O.none;
    }
  },
};

export const noPaidThirdParty: Rule = {
  id: 'R10',
  codes: ['THIRD_PARTY_OFFER_NOT_SUPPORTED'],
  events: ['MarketplaceOfferDeployed'],
  description: 'A paid third-party offer is never allowed, on any channel, at any time',
  judge: (_, event) =>
    event.type === 'MarketplaceOfferDeployed' && event.data.pricing === 'paid'
      ? violation(
          'THIRD_PARTY_OFFER_NOT_SUPPORTED',
          `deployment ${event.data.deploymentId} is the paid third-party offer ${event.data.offerId} of ${event.data.publisherId}`,
        )
      : O.none,
};

export const marketplaceCutoff: Rule = {
  id: 'R11',
  codes: ['MARKETPLACE_CUTOFF'],
  events: ['MarketplaceOfferDeployed'],
  description:
    'No new BYOL or free offer through the Marketplace from the cutoff on; ISV-direct stays allowed',
  judge: (_, event, rules) =>
    event.type === 'MarketplaceOfferDeployed' &&
    event.data.channel === 'marketplace' &&
    event.data.pricing !== 'paid' &&
    !isEarlier(event.metadata.at, rules.cutoff)
      ? violation(
          'MARKETPLACE_CUTOFF',
          `${event.data.pricing} Marketplace deployment ${event.data.deploymentId} at ${event.metadata.at} is on or after the cutoff ${rules.source.marketplaceCutoff}`,
        )
      : O.none,
};

const outsidePeriod = ({ usageId, usageDate }: { usageId: string; usageDate: string }, why: string) =>
  violation('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD', `usage ${usageId} dated ${usageDate} is ${why}`);

export const usagePeriod: Rule = {
  id: 'R12',
  codes: ['USAGE_OUTSIDE_SUBSCRIPTION_PERIOD'],
  events: ['UsageRecorded'],
  description:
    "Usage is dated within its subscription's life, from the purchase day to the day it ended, and not after the day it is recorded",
  judge: (state, event) => {
    if (event.type !== 'UsageRecorded') return O.none;
    const subscription = state.subscriptions.get(event.data.subscriptionId);
    if (subscription === undefined) return O.none;
    const { usageDate } = event.data;
    const { purchasedAt, endedAt, subscriptionId, status } = subscription;
    if (compareDayWithInstant(usageDate, purchasedAt) < 0)
      return outsidePeriod(
        event.data,
        `before subscription ${subscriptionId} was bought (${utcDayOf(purchasedAt)})`,
      );
    if (endedAt !== null && compareDayWithInstant(usageDate, endedAt) > 0)
      return outsidePeriod(
        event.data,
        `after subscription ${subscriptionId} was ${status} (${utcDayOf(endedAt)})`,
      );
    // Billing reports usage after the fact: usage of a later day would escape a cancellation before that day.
    const { at } = event.metadata;
    return compareDayWithInstant(usageDate, at) > 0
      ? outsidePeriod(event.data, `after the day it is recorded (${utcDayOf(at)})`)
      : O.none;
  },
};

/** R1..R12 in DOMAIN.md's order: when several are broken, the first of them names the rejection. */
export const ruleTable: readonly Rule[] = [
  onePartner,
  chronology,
  roles,
  oneTenant,
  freshTenant,
  exclusiveTenant,
  offerPlacement,
  liveSubscription,
  uniqueIds,
  noPaidThirdParty,
  marketplaceCutoff,
  usagePeriod,
];
