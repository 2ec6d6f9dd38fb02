import * as O from 'fp-ts/lib/Option.js';
import type { RejectionCode } from './rejection.js';
import type { PartnerState } from '../state/state.js';
import { compareDayWithInstant, isEarlier, utcDayOf } from '../lib/time.js';
import type { DomainEvent, EventOf, EventType } from '../events/codecs.js';
import { handle, type EventHandlers } from '../events/handlers.js';
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

/** How a rule judges the kinds of event it names. */
export type Judge<K extends EventType> = (
  state: PartnerState,
  event: EventOf<K>,
  rules: CompiledRules,
) => O.Option<Violation>;

type RuleOf<K extends EventType> = Omit<Rule, 'events' | 'judge'> & {
  readonly events: readonly K[];
  readonly judge: Judge<K>;
};

/** The judge of each rule for the kinds it names, without the check that the event is one of them. */
const judgesOfNamed = new WeakMap<Rule, Judge<EventType>>();

/** A rule of every event: its judge takes any event. */
export function rule(spec: Omit<Rule, 'events'> & { readonly events: 'every event' }): Rule;
/** A rule of the kinds it names: its judge takes those kinds only, and finds nothing wrong with any other. */
export function rule<const K extends EventType>(spec: RuleOf<K>): Rule;
export function rule(spec: Rule | RuleOf<EventType>): Rule {
  if (spec.events === 'every event') return spec as Rule;
  const { judge: named, events } = spec;
  const kinds = new Set<EventType>(events);
  const judge: Rule['judge'] = (state, event, rules) =>
    kinds.has(event.type) ? named(state, event, rules) : O.none;
  const made: Rule = { ...spec, judge };
  judgesOfNamed.set(made, named);
  return made;
}

/** A rule's judge for the kinds of event it names: call it with those kinds only. */
export const judgeOfNamed = (r: Rule): Judge<EventType> => judgesOfNamed.get(r) ?? r.judge;

const violation = (code: RejectionCode, message: string): O.Option<Violation> => O.some({ code, message });

export const onePartner = rule({
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
});

export const chronology = rule({
  id: 'R2',
  codes: ['OUT_OF_ORDER'],
  events: 'every event',
  description: "A partner's events never go back in time",
  judge: (state, event) =>
    state.lastEventAt !== null && isEarlier(event.metadata.at, state.lastEventAt)
      ? violation(
          'OUT_OF_ORDER',
          `${event.type} at ${event.metadata.at} is earlier than the partner's latest event at ${state.lastEventAt}`,
        )
      : O.none,
});

export const roles = rule({
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
});

export const oneTenant = rule({
  id: 'R4',
  codes: ['TENANT_ALREADY_EXISTS'],
  events: ['SharedTenantCreated'],
  description: 'A partner has at most one shared services tenant, ever',
  judge: (state, event) =>
    state.sharedTenantId !== null
      ? violation(
          'TENANT_ALREADY_EXISTS',
          `partner ${event.data.partnerId} already has the shared services tenant ${state.sharedTenantId}`,
        )
      : O.none,
});

export const freshTenant = rule({
  id: 'R5',
  codes: ['TENANT_NOT_EXCLUSIVE'],
  events: ['SharedTenantCreated'],
  description: 'A tenant that already has other services cannot become the shared services tenant',
  judge: (state, event) => {
    for (const service of state.services.values())
      if (service.tenantId === event.data.tenantId)
        return violation(
          'TENANT_NOT_EXCLUSIVE',
          `tenant ${event.data.tenantId} already has ${service.product} service ${service.serviceId}`,
        );
    return O.none;
  },
});

export const exclusiveTenant = rule({
  id: 'R6',
  codes: ['SHARED_TENANT_EXCLUSIVE'],
  events: ['ServiceProvisioned'],
  description:
    'The shared services tenant is for APSS only: no Office 365, Dynamics 365 or any other service',
  judge: (state, event) =>
    event.data.tenantId === state.sharedTenantId
      ? violation(
          'SHARED_TENANT_EXCLUSIVE',
          `${event.data.product} service ${event.data.serviceId} on the shared services tenant ${event.data.tenantId}`,
        )
      : O.none,
});

export const offerPlacement = rule({
  id: 'R7',
  codes: ['NO_SHARED_TENANT', 'NOT_SHARED_TENANT'],
  events: ['ApssSubscriptionPurchased'],
  description: 'An APSS subscription can only be bought into the shared services tenant',
  judge: (state, event) => {
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
});

export const liveSubscription = rule({
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
    const { subscriptionId } = event.data;
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
});

const duplicate = (kind: string, id: string, taken: { has(id: string): boolean }, partnerId: string) =>
  taken.has(id)
    ? violation('DUPLICATE_ID', `${kind} id ${id} is already used by partner ${partnerId}`)
    : O.none;

type IdIntroducing =
  | 'ApssSubscriptionPurchased'
  | 'ReservedInstancePurchased'
  | 'MarketplaceOfferDeployed'
  | 'ServiceProvisioned'
  | 'UsageRecorded';

/** For each kind of event that introduces an id: whether the partner has used that id already. */
const duplicateId: EventHandlers<IdIntroducing, PartnerState, O.Option<Violation>> = {
  ApssSubscriptionPurchased: ({ data }, state) =>
    duplicate('subscription', data.subscriptionId, state.subscriptions, data.partnerId),
  ReservedInstancePurchased: ({ data }, state) =>
    duplicate('reservation', data.reservationId, state.reservations, data.partnerId),
  MarketplaceOfferDeployed: ({ data }, state) =>
    duplicate('deployment', data.deploymentId, state.deployments, data.partnerId),
  ServiceProvisioned: ({ data }, state) =>
    duplicate('service', data.serviceId, state.services, data.partnerId),
  UsageRecorded: ({ data }, state) => duplicate('usage', data.usageId, state.usage, data.partnerId),
};

export const uniqueIds = rule({
  id: 'R9',
  codes: ['DUPLICATE_ID'],
  events: Object.keys(duplicateId) as IdIntroducing[],
  description: 'Subscription, reservation, deployment, service and usage ids are unique within a partner',
  judge: (state, event) => handle(duplicateId, event, state),
});

export const noPaidThirdParty = rule({
  id: 'R10',
  codes: ['THIRD_PARTY_OFFER_NOT_SUPPORTED'],
  events: ['MarketplaceOfferDeployed'],
  description: 'A paid third-party offer is never allowed, on any channel, at any time',
  judge: (_, event) =>
    event.data.pricing === 'paid'
      ? violation(
          'THIRD_PARTY_OFFER_NOT_SUPPORTED',
          `deployment ${event.data.deploymentId} is the paid third-party offer ${event.data.offerId} of ${event.data.publisherId}`,
        )
      : O.none,
});

export const marketplaceCutoff = rule({
  id: 'R11',
  codes: ['MARKETPLACE_CUTOFF'],
  events: ['MarketplaceOfferDeployed'],
  description:
    'No new BYOL or free offer through the Marketplace from the cutoff on; ISV-direct stays allowed',
  judge: (_, event, rules) =>
    event.data.channel === 'marketplace' &&
    event.data.pricing !== 'paid' &&
    !isEarlier(event.metadata.at, rules.cutoff)
      ? violation(
          'MARKETPLACE_CUTOFF',
          `${event.data.pricing} Marketplace deployment ${event.data.deploymentId} at ${event.metadata.at} is on or after the cutoff ${rules.source.marketplaceCutoff}`,
        )
      : O.none,
});

const outsidePeriod = ({ usageId, usageDate }: { usageId: string; usageDate: string }, why: string) =>
  violation('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD', `usage ${usageId} dated ${usageDate} is ${why}`);

export const usagePeriod = rule({
  id: 'R12',
  codes: ['USAGE_OUTSIDE_SUBSCRIPTION_PERIOD'],
  events: ['UsageRecorded'],
  description:
    "Usage is dated within its subscription's life, from the purchase day to the day it ended, and not after the day it is recorded",
  judge: (state, event) => {
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
});

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
