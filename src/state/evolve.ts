import type { DomainEvent, EventOf, EventType } from '../events/codecs.js';
import { inUtc } from '../lib/time.js';
import {
  draftOf,
  freezeState,
  initialState,
  newSubscription,
  writableMap,
  writableSubscription,
  writableUsage,
  type MutablePartnerState,
  type PartnerState,
} from './state.js';

type Recipe<K extends EventType> = (draft: MutablePartnerState, event: EventOf<K>) => void;

const endSubscription = (
  draft: MutablePartnerState,
  subscriptionId: string,
  at: string,
  webDirect: string | null,
) => {
  const known = draft.subscriptions.get(subscriptionId);
  if (known?.status !== 'active') return;
  const subscription = writableSubscription(draft, known);
  subscription.status = webDirect === null ? 'cancelled' : 'migrated';
  subscription.endedAt = at;
  subscription.webDirectSubscriptionId = webDirect;
};

/** The subscription's id as the state keeps it already, so that a record naming it keeps no new string. */
const knownSubscriptionId = (draft: MutablePartnerState, subscriptionId: string): string =>
  draft.subscriptions.get(subscriptionId)?.subscriptionId ?? subscriptionId;

/**
 * How each event changes a partner's state, in place on a draft. An event is applied even where a rule
 * refuses it (an audited log records what happened); a record whose id is taken keeps the first.
 * Records are written out field by field: an object made by rest and spread is a dictionary, several
 * times larger. Reservations, deployments and services never change, and are frozen as they are made;
 * a subscription changes as it is used and ended, in place (the draft's own record, copied first if
 * it was shared), and is frozen with the state: a new record for each new day of usage was most of
 * what an audit allocated to keep.
 */
const recipes: { readonly [K in EventType]: Recipe<K> } = {
  SharedTenantCreated: (draft, { data }) => {
    draft.sharedTenantId ??= data.tenantId;
  },
  ApssSubscriptionPurchased: (draft, { data, metadata }) => {
    if (draft.subscriptions.has(data.subscriptionId)) return;
    writableMap(draft, 'subscriptions').set(
      data.subscriptionId,
      newSubscription(draft, {
        subscriptionId: data.subscriptionId,
        tenantId: data.tenantId === draft.sharedTenantId ? draft.sharedTenantId : data.tenantId,
        subscriptionName: data.subscriptionName,
        status: 'active',
        purchasedAt: inUtc(metadata.at),
        endedAt: null,
        webDirectSubscriptionId: null,
        firstUsageDay: null,
        lastUsageDay: null,
      }),
    );
  },
  SubscriptionCancelled: (draft, { data, metadata }) =>
    endSubscription(draft, data.subscriptionId, inUtc(metadata.at), null),
  SubscriptionMigratedToWebDirect: (draft, { data, metadata }) =>
    endSubscription(draft, data.subscriptionId, inUtc(metadata.at), data.webDirectSubscriptionId),
  ReservedInstancePurchased: (draft, { data, metadata }) => {
    if (draft.reservations.has(data.reservationId)) return;
    const { subscriptionId, reservationId, sku, region, term, scope, quantity } = data;
    writableMap(draft, 'reservations').set(
      reservationId,
      Object.freeze({
        subscriptionId: knownSubscriptionId(draft, subscriptionId),
        reservationId,
        sku,
        region,
        term,
        scope,
        quantity,
        purchasedAt: inUtc(metadata.at),
      }),
    );
  },
  MarketplaceOfferDeployed: (draft, { data, metadata }) => {
    if (draft.deployments.has(data.deploymentId)) return;
    const { subscriptionId, deploymentId, offerId, publisherId, pricing, channel } = data;
    writableMap(draft, 'deployments').set(
      deploymentId,
      Object.freeze({
        subscriptionId: knownSubscriptionId(draft, subscriptionId),
        deploymentId,
        offerId,
        publisherId,
        pricing,
        channel,
        deployedAt: inUtc(metadata.at),
      }),
    );
  },
  ServiceProvisioned: (draft, { data, metadata }) => {
    if (draft.services.has(data.serviceId)) return;
    const { tenantId, serviceId, product } = data;
    writableMap(draft, 'services').set(
      serviceId,
      Object.freeze({ tenantId, serviceId, product, provisionedAt: inUtc(metadata.at) }),
    );
  },
  UsageRecorded: (draft, { data }) => {
    // One lookup in what is by far the partner's largest collection: a usage id seen before adds nothing.
    if (!writableUsage(draft).add(data.usageId)) return;
    const known = draft.subscriptions.get(data.subscriptionId);
    if (known === undefined) {
      draft.unattributedUsage += 1;
      return;
    }
    const { firstUsageDay, lastUsageDay } = known;
    const day = data.usageDate;
    // Days are fixed-width YYYY-MM-DD, so string order is calendar order. Most usage falls inside the
    // days already seen, and then the record stays as it is.
    const earlier = firstUsageDay === null || day < firstUsageDay;
    const later = lastUsageDay === null || day > lastUsageDay;
    if (!earlier && !later) return;
    const subscription = writableSubscription(draft, known);
    if (earlier) subscription.firstUsageDay = day;
    if (later) subscription.lastUsageDay = day;
  },
};

/**
 * Applies one event to a mutable state in place (the audit's and fold's hot path). The state keeps
 * its instants in UTC, as the library writes them, whatever form an event made by hand gives.
 */
export function applyEvent(draft: MutablePartnerState, event: DomainEvent): void {
  (recipes[event.type] as Recipe<EventType>)(draft, event);
  draft.partnerId ??= event.data.partnerId;
  // The partner's time is its latest event's: a backdated one (R2 finds it) does not take it back, or
  // an event dated after it, as early as it, would pass R2 and the cutoff (R11) alike.
  const at = inUtc(event.metadata.at);
  if (draft.lastEventAt === null || at > draft.lastEventAt) draft.lastEventAt = at;
  draft.version += 1;
}

/**
 * The state after one more event. It trusts its types: the state is one initialState, evolve or fold
 * made, the event a DomainEvent (raw records go through decodeEvent first).
 */
export function evolve(state: PartnerState, event: DomainEvent): PartnerState {
  const draft = draftOf(state);
  applyEvent(draft, event);
  return freezeState(draft);
}

/**
 * The state after many events (trusted as evolve trusts them). One draft takes all of them and is
 * frozen once at the end: a draft per event would copy the touched collections every time, and a
 * draft copies only what its events change, so a few events onto a large state copy little.
 */
export function fold(events: Iterable<DomainEvent>, state: PartnerState = initialState): PartnerState {
  let draft: MutablePartnerState | undefined;
  for (const event of events) {
    draft ??= draftOf(state);
    applyEvent(draft, event);
  }
  return draft === undefined ? state : freezeState(draft);
}
