import type * as t from 'io-ts';
import type { EventData, EventType } from '../events/codecs.js';
import type { SubscriptionStatus } from '../events/data.js';
import { isRecord } from '../lib/codec.js';
import { IdSet, type ReadonlyIdSet } from '../lib/idSet.js';
import { RecordMap } from '../lib/recordMap.js';

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
  /** The instant of the partner's latest event (UTC; the latest of all, a backdated one does not lower it), which the next may not precede. */
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type MutableSubscriptionRecord = Mutable<SubscriptionRecord>;

const maps = ['subscriptions', 'reservations', 'deployments', 'services'] as const;
type MapKey = (typeof maps)[number];
type RecordIn<K extends MapKey> = PartnerState[K] extends ReadonlyMap<string, infer R> ? R : never;

/**
 * The one empty collection of each kind that every state without such records shares, frozen: most
 * partners of a large log have few records of each kind, and four maps and a set of their own, empty,
 * weighed several times what the rest of their state does. A recipe that adds the first record puts a
 * collection of the state's own in its place (see `writableMap`).
 */
const EMPTY_MAP: ReadonlyMap<string, never> = new RecordMap<never>().freeze();
const EMPTY_ID_SET: ReadonlyIdSet = Object.freeze(new IdSet());

/**
 * A state being changed. Its collections and subscription records are read as they are, and written
 * only through `writableMap`, `writableSubscription` and `writableUsage`: a draft may share them with
 * a state already handed out, or with a caller's own.
 */
export type MutablePartnerState = Mutable<Omit<PartnerState, MapKey | 'usage'>> & {
  -readonly [K in MapKey]: PartnerState[K];
} & { usage: ReadonlyIdSet };

/**
 * The collections and subscription records that a draft may change in place, each with the one draft
 * that may: the ones made for that draft and not frozen yet. Anything else (a state's that was handed
 * out, a caller's own, another draft's) is copied on the first write, so that evolve leaves the state
 * it is given as it was, frozen or not, a draft included.
 */
const owners = new WeakMap<object, MutablePartnerState>();
const own = <T extends object>(draft: MutablePartnerState, value: T): T => {
  owners.set(value, draft);
  return value;
};
const owns = (draft: MutablePartnerState, value: object): boolean => owners.get(value) === draft;
/** Lets go of what a draft owned, as it is frozen: whether it did own it. */
const disown = (draft: MutablePartnerState, value: object): boolean =>
  owns(draft, value) && owners.delete(value);

/**
 * A draft's collection to add to: its own, or a copy that becomes its own. A copy of a state's
 * RecordMap shares its records and copies one chunk of them as it writes; a Map of a caller's is
 * copied whole, once.
 */
export function writableMap<K extends MapKey>(draft: MutablePartnerState, key: K): RecordMap<RecordIn<K>> {
  const current = draft[key] as ReadonlyMap<string, RecordIn<K>>;
  if (owns(draft, current)) return current as RecordMap<RecordIn<K>>;
  const copy = own(
    draft,
    current instanceof RecordMap ? (current.copy() as RecordMap<RecordIn<K>>) : new RecordMap(current),
  );
  (draft as Record<MapKey, ReadonlyMap<string, unknown>>)[key] = copy;
  return copy;
}

/**
 * The subscription records a draft made or copied and has not frozen yet: freezing a draft freezes
 * these, not every record its map holds.
 */
const unfrozenRecords = new WeakMap<MutablePartnerState, MutableSubscriptionRecord[]>();
const ownRecord = (
  draft: MutablePartnerState,
  record: MutableSubscriptionRecord,
): MutableSubscriptionRecord => {
  own(draft, record);
  const records = unfrozenRecords.get(draft);
  if (records === undefined) unfrozenRecords.set(draft, [record]);
  else records.push(record);
  return record;
};

/** A subscription's record (one the draft holds) to change in place, made the draft's own first. */
export function writableSubscription(
  draft: MutablePartnerState,
  record: SubscriptionRecord,
): MutableSubscriptionRecord {
  if (owns(draft, record)) return record as MutableSubscriptionRecord;
  const copy = ownRecord(draft, { ...record });
  writableMap(draft, 'subscriptions').set(record.subscriptionId, copy);
  return copy;
}

/** A new subscription record, the draft's own until the draft is frozen. */
export const newSubscription = (
  draft: MutablePartnerState,
  record: MutableSubscriptionRecord,
): MutableSubscriptionRecord => ownRecord(draft, record);

/** The usage ids to add to: the draft's own, or a copy that becomes its own. */
export function writableUsage(draft: MutablePartnerState): IdSet {
  if (owns(draft, draft.usage)) return draft.usage as IdSet;
  const copy = own(draft, draft.usage.copy());
  draft.usage = copy;
  return copy;
}

/** A draft of a state that copies each collection or record only when an event writes to it. */
export const draftOf = (state: PartnerState): MutablePartnerState => ({ ...state });

/** A copy of a map for a draft to own, or the shared empty map, which the first write replaces. */
const copyOf = <V>(map: ReadonlyMap<string, V>): ReadonlyMap<string, V> =>
  map.size === 0 ? EMPTY_MAP : map instanceof RecordMap ? (map.copy() as RecordMap<V>) : new RecordMap(map);

/** A draft that owns its collections, to apply many events to (subscription records are copied as they are changed). */
export function thaw(state: PartnerState): MutablePartnerState {
  const draft: MutablePartnerState = {
    ...state,
    subscriptions: copyOf(state.subscriptions),
    reservations: copyOf(state.reservations),
    deployments: copyOf(state.deployments),
    services: copyOf(state.services),
    usage: state.usage.size === 0 ? EMPTY_ID_SET : state.usage.copy(),
  };
  for (const key of maps) if (draft[key] !== EMPTY_MAP) own(draft, draft[key]);
  if (draft.usage !== EMPTY_ID_SET) own(draft, draft.usage);
  return draft;
}

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

/**
 * Freezes a draft: what it owns (its collections, its subscription records) and the root. What it
 * shares is frozen already, or a caller's own, and left as it is.
 */
export function freezeState(draft: MutablePartnerState): PartnerState {
  const records = unfrozenRecords.get(draft);
  if (records !== undefined) {
    unfrozenRecords.delete(draft);
    for (const record of records) if (disown(draft, record)) Object.freeze(record);
  }
  for (const key of maps) if (disown(draft, draft[key])) (draft[key] as RecordMap<unknown>).freeze();
  if (disown(draft, draft.usage)) Object.freeze(draft.usage);
  return Object.freeze(draft) as PartnerState;
}

/** A partner with no events. */
export const initialState: PartnerState = freezeState(emptyState());

/** Whether a value has the shape of a PartnerState (the public functions refuse anything else rather than throw). */
export const isPartnerState = (u: unknown): u is PartnerState =>
  isRecord(u) &&
  typeof u.version === 'number' &&
  typeof u.unattributedUsage === 'number' &&
  maps.every((key) => u[key] instanceof RecordMap || u[key] instanceof Map) &&
  u.usage instanceof IdSet;
