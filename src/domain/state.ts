import { freeze, type Draft } from 'immer';
import type * as t from 'io-ts';
import type { EventData, EventType } from '../events/codecs.js';
import type { SubscriptionStatus } from '../events/data.js';
import { isRecord } from './codec.js';
import { IdSet, type ReadonlyIdSet } from './idSet.js';

export type SubscriptionRecord = {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly subscriptionName: string;
  readonly status: t.TypeOf<typeof SubscriptionStatus>;
  readonly purchasedAt: string;
  /** When it was cancelled or migrated; null while active. */
  readonly endedAt: string | null;
  readonly webDirectSubscriptionId: string | null;
  /** The first and last day its usage records are dated (null before any). */
  readonly firstUsageDay: string | null;
  readonly lastUsageDay: string | null;
};

/** A record keeps its event's data but the partner (the state is the partner's) and adds when it happened. */
type RecordOf<K extends EventType, At extends string> = Readonly<
  Omit<EventData<K>, 'partnerId'> & Record<At, string>
>;

export type ReservationRecord = RecordOf<'ReservedInstancePurchased', 'purchasedAt'>;
export type DeploymentRecord = RecordOf<'MarketplaceOfferDeployed', 'deployedAt'>;
export type ServiceRecord = RecordOf<'ServiceProvisioned', 'provisionedAt'>;

/** What the rules must remember of one partner. Deeply frozen wherever the library hands it out. */
export type PartnerState = {
  /** The partner whose events these are; null before the first event. */
  readonly partnerId: string | null;
  readonly sharedTenantId: string | null;
  /** The instant of the partner's previous event (UTC), which the next may not precede. */
  readonly lastEventAt: string | null;
  /** How many events have been applied. */
  readonly version: number;
  readonly subscriptions: ReadonlyMap<string, SubscriptionRecord>;
  readonly reservations: ReadonlyMap<string, ReservationRecord>;
  readonly deployments: ReadonlyMap<string, DeploymentRecord>;
  readonly services: ReadonlyMap<string, ServiceRecord>;
  /** The ids of every usage record: a log holds far more usage than anything else, so only its id is kept, compactly. */
  readonly usage: ReadonlyIdSet;
  /** Usage records that named a subscription the partner did not have. */
  readonly unattributedUsage: number;
};

export type MutablePartnerState = Omit<Draft<PartnerState>, 'usage'> & {
  /** Added to in place while private; a recipe that finds it frozen adds to a copy. */
  usage: IdSet | ReadonlyIdSet;
};

const maps = ['subscriptions', 'reservations', 'deployments', 'services'] as const;
type MapKey = (typeof maps)[number];

/**
 * The one empty collection of each kind that every state without such records shares, frozen: most
 * partners of a large log have few records of each kind, and four maps and a set of their own, empty,
 * weighed several times what the rest of their state does. A recipe that adds the first record puts a
 * collection of the state's own in its place (see `writableMap`).
 */
const EMPTY_MAP = freeze(new Map<string, never>());
const EMPTY_ID_SET: ReadonlyIdSet = Object.freeze(new IdSet());

/**
 * A state's map of this kind to add to: its own, or a new one in place of the shared empty map (in an
 * immer draft, the draft of the map, which immer copies on write).
 */
export function writableMap<K extends MapKey>(draft: MutablePartnerState, key: K): MutablePartnerState[K] {
  if (draft[key] === EMPTY_MAP) draft[key] = new Map();
  return draft[key];
}

const copyOf = <V>(map: ReadonlyMap<string, V>): Map<string, V> =>
  map.size === 0 ? EMPTY_MAP : new Map(map);

/**
 * A plain mutable copy to apply many events to. Subscription records are copied, as recipes edit
 * them; the other records never change, and are shared, as are the empty collections.
 */
export const thaw = (state: PartnerState): MutablePartnerState => ({
  ...state,
  subscriptions:
    state.subscriptions.size === 0
      ? EMPTY_MAP
      : new Map([...state.subscriptions].map(([id, record]) => [id, { ...record }])),
  reservations: copyOf(state.reservations),
  deployments: copyOf(state.deployments),
  services: copyOf(state.services),
  usage: state.usage.size === 0 ? EMPTY_ID_SET : state.usage.copy(),
});

/** A partner with no events, to apply events to: it holds only the shared empty collections. */
export const emptyState = (): MutablePartnerState => ({
  partnerId: null,
  sharedTenantId: null,
  lastEventAt: null,
  version: 0,
  unattributedUsage: 0,
  subscriptions: EMPTY_MAP,
  reservations: EMPTY_MAP,
  deployments: EMPTY_MAP,
  services: EMPTY_MAP,
  usage: EMPTY_ID_SET,
});

/** Freezes a state: its subscription records (the recipes freeze the others), the collections and the root. */
export function freezeState(state: MutablePartnerState): PartnerState {
  for (const record of state.subscriptions.values()) Object.freeze(record);
  for (const key of maps) freeze(state[key]);
  Object.freeze(state.usage);
  return freeze(state as PartnerState);
}

/** A partner with no events. */
export const initialState: PartnerState = freezeState(emptyState());

/** Whether a value has the shape of a PartnerState (the public functions refuse anything else rather than throw). */
export const isPartnerState = (u: unknown): u is PartnerState =>
  isRecord(u) &&
  typeof u.version === 'number' &&
  typeof u.unattributedUsage === 'number' &&
  maps.every((key) => u[key] instanceof Map) &&
  u.usage instanceof IdSet;
