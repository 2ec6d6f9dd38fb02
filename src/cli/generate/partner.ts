import type { Command, CommandOf, CommandType } from '../../domain/commands.js';
import type { Actor, Role } from '../../events/roles.js';
import { emptyState, writableMap, type MutablePartnerState } from '../../state/state.js';
import type { DomainEvent, EventType } from '../../events/codecs.js';
import { handle, type EventHandlers } from '../../events/handlers.js';
import type { Random } from './random.js';

/**
 * Where a generated partner is in its life: not seen yet, a CSP partner with customer tenants only,
 * holding a shared tenant without a subscription (after an injected violation), or live.
 */
export type Phase = 'waiting' | 'customer' | 'tenant' | 'live';

/** A generated partner: its state exactly as an audit will rebuild it, and what the generator picks from. */
export type Partner = {
  readonly id: string;
  readonly label: string;
  phase: Phase;
  readonly state: MutablePartnerState;
  /** Active APSS subscriptions, ended ones (cancelled or migrated), and the partner's customer tenants. */
  readonly active: string[];
  readonly ended: string[];
  readonly customerTenants: string[];
  readonly staff: readonly Actor[];
  readonly currency: string;
  readonly counters: Record<
    'subscription' | 'reservation' | 'deployment' | 'service' | 'usage' | 'tenant',
    number
  >;
};

const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const PARTNER_ROLES: readonly (readonly [Role, number])[] = [
  ['GlobalAdmin', 2],
  ['AdminAgent', 5],
  ['SalesAgent', 3],
];

export const billingSystem: Actor = { id: 'billing-system', role: 'System' };

export function newPartner(index: number, width: number, random: Random): Partner {
  const label = String(index + 1).padStart(width, '0');
  const domain = `partner-${label}.example`;
  return {
    id: `partner-${label}`,
    label,
    phase: 'waiting',
    state: emptyState(),
    active: [],
    ended: [],
    customerTenants: [],
    staff: [
      { id: `admin@${domain}`, role: 'GlobalAdmin' },
      { id: `agent@${domain}`, role: 'AdminAgent' },
      { id: `sales@${domain}`, role: 'SalesAgent' },
    ],
    currency: random.pick(CURRENCIES),
    counters: { subscription: 0, reservation: 0, deployment: 0, service: 0, usage: 0, tenant: 0 },
  };
}

/** A member of the partner's staff whom the default rules permit to act. */
export const staffMember = (partner: Partner, random: Random): Actor => {
  const role = random.weighted(PARTNER_ROLES);
  return partner.staff.find((actor) => actor.role === role) as Actor;
};

export const sharedTenantOf = (partner: Partner): string => `tenant-${partner.label}-apss`;

/** The next id of a kind for this partner, unique within it. */
export function nextId(partner: Partner, kind: keyof Partner['counters']): string {
  partner.counters[kind] += 1;
  const n = partner.counters[kind];
  switch (kind) {
    case 'subscription':
      return `sub-${partner.label}-${n}`;
    case 'reservation':
      return `ri-${partner.label}-${n}`;
    case 'deployment':
      return `dep-${partner.label}-${n}`;
    case 'service':
      return `svc-${partner.label}-${n}`;
    case 'usage':
      return `use-${partner.label}-${n}`;
    case 'tenant':
      return `tenant-${partner.label}-cust-${n}`;
  }
}

export const command = <K extends CommandType>(
  type: K,
  data: CommandOf<K>['data'],
  actor: Actor,
  at: string,
): Command => ({ type, data, metadata: { actor, at } }) as Command;

const remove = (items: string[], item: string): void => {
  const index = items.indexOf(item);
  if (index !== -1) items.splice(index, 1);
};

/**
 * What a generated partner keeps of its past, so that a log of any length is made in the same memory.
 * No ids of the records it made: only the rule against duplicates reads them, and the generator's
 * ids are new by construction; but services while it has no shared tenant, as R5 judges that tenant
 * by them. Only the most recent of its ended subscriptions and customer tenants, among which the
 * generator picks.
 */
const KEPT_ENDED = 16;
const KEPT_CUSTOMER_TENANTS = 16;

/** The state's shared empty collections, to put in place of those a partner forgets. */
const nothing = emptyState();

/** Adds an item to a list that keeps only its most recent `kept`; answers the item dropped, if any. */
const pushKept = (items: string[], item: string, kept: number): string | undefined => {
  items.push(item);
  return items.length > kept ? items.shift() : undefined;
};

/**
 * How each event moves the generator's lists, and what of the partner's state it lets go: the state
 * forgets what no later line of the generator's can name (see KEPT_ENDED).
 */
const tracking: EventHandlers<EventType, Partner, void> = {
  SharedTenantCreated: ({ data }, partner) => {
    remove(partner.customerTenants, data.tenantId);
    partner.state.services = nothing.services;
  },
  ApssSubscriptionPurchased: ({ data }, partner) => {
    if (!partner.active.includes(data.subscriptionId) && !partner.ended.includes(data.subscriptionId))
      partner.active.push(data.subscriptionId);
  },
  SubscriptionCancelled: ({ data }, partner) => endTracked(partner, data.subscriptionId),
  SubscriptionMigratedToWebDirect: ({ data }, partner) => endTracked(partner, data.subscriptionId),
  ReservedInstancePurchased: (_, partner) => {
    partner.state.reservations = nothing.reservations;
  },
  MarketplaceOfferDeployed: (_, partner) => {
    partner.state.deployments = nothing.deployments;
  },
  ServiceProvisioned: ({ data }, partner) => {
    if (data.tenantId !== partner.state.sharedTenantId && !partner.customerTenants.includes(data.tenantId))
      pushKept(partner.customerTenants, data.tenantId, KEPT_CUSTOMER_TENANTS);
    if (partner.state.sharedTenantId !== null) partner.state.services = nothing.services;
  },
  UsageRecorded: (_, partner) => {
    partner.state.usage = nothing.usage;
  },
};

function endTracked(partner: Partner, subscriptionId: string): void {
  if (!partner.active.includes(subscriptionId)) return;
  remove(partner.active, subscriptionId);
  const forgotten = pushKept(partner.ended, subscriptionId, KEPT_ENDED);
  if (forgotten !== undefined) writableMap(partner.state, 'subscriptions').delete(forgotten);
}

/** Keeps the generator's lists in step with an event the partner's state has just taken. */
export const track = (partner: Partner, event: DomainEvent): void => handle(tracking, event, partner);
