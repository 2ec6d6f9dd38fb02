import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { DomainEvent } from '../events/codecs.js';
import { SubscriptionStatus } from '../events/data.js';
import { struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { mapView } from '../lib/mapView.js';
import { PersistentList } from '../lib/persistentList.js';
import { arrayView } from '../lib/prefixView.js';
import { foldingProjection, type Folding, type Projection } from './projection.js';
import { progressOf, refuseAt, savedForm, type Progress, type ProjectionProgress } from './progress.js';
import { listOf, type PartnerOverview, type SubscriptionOverview } from './viewCodecs.js';

export type { PartnerOverview, SubscriptionOverview } from './viewCodecs.js';

type Status = t.TypeOf<typeof SubscriptionStatus>;

/**
 * What the overview remembers of a partner, and no more: the rules of `evolve` for these records
 * (the first tenant stays, a subscription ends once, a reservation or deployment id counts once,
 * against the subscription it named, bought yet or not) need nothing else.
 */
type PartnerProgress = {
  readonly partnerId: string;
  sharedTenantId: string | null;
  /** In the order they were bought. */
  readonly subscriptions: Map<string, Status>;
  /** Reservation and deployment id to the subscription it names. */
  readonly reservations: Map<string, string>;
  readonly deployments: Map<string, string>;
  /** How many of each a subscription id has. */
  readonly reservationCounts: Map<string, number>;
  readonly deploymentCounts: Map<string, number>;
  /**
   * The overviews of its subscriptions last shown, in the order they were bought, which copies of the
   * progress and the views share, with each one's place: a view writes only those an event changed.
   */
  shown: PersistentList<SubscriptionOverview>;
  readonly places: Map<string, number>;
  /** The subscriptions in the order they were bought: those past `shown` are still to be shown. */
  readonly bought: string[];
  /** The subscriptions whose overview changed since it was last shown (ended, counted against). */
  readonly changed: Set<string>;
};

/**
 * How far the overview has got: each partner's progress and overview, and the partners changed since
 * the last view. The overviews last shown are a persistent list in the order partners first appear,
 * which copies of the progress and the views share, with each partner's place in it: a view after an
 * event writes the one overview that changed, at the cost of its path in the list, and is a frozen
 * Map over that list (see `mapView`), so a new view costs the same however many partners there are.
 */
type Working = {
  /** In the order partners first appear. */
  readonly partners: Map<string, PartnerProgress>;
  overviews: PersistentList<PartnerOverview>;
  /**
   * Each shown partner's place in `overviews`: only ever added to, so that a view of the first n
   * overviews reads it as it stands, for the partners placed below n.
   */
  readonly places: Map<string, number>;
  readonly changed: Set<string>;
  /** The view last read out: events that change no partner (usage of a known one) leave it as it was. */
  shown: ReadonlyMap<string, PartnerOverview> | undefined;
};

const newPartner = (partnerId: string): PartnerProgress => ({
  partnerId,
  sharedTenantId: null,
  subscriptions: new Map(),
  reservations: new Map(),
  deployments: new Map(),
  reservationCounts: new Map(),
  deploymentCounts: new Map(),
  shown: PersistentList.empty(),
  places: new Map(),
  bought: [],
  changed: new Set(),
});

/**
 * Notes a record's id against its subscription, which then shows one more (once it is bought); false
 * when the id was noted before.
 */
function count(
  partner: PartnerProgress,
  ids: Map<string, string>,
  counts: Map<string, number>,
  id: string,
  subscriptionId: string,
): boolean {
  if (ids.has(id)) return false;
  ids.set(id, subscriptionId);
  counts.set(subscriptionId, (counts.get(subscriptionId) ?? 0) + 1);
  partner.changed.add(subscriptionId);
  return true;
}

/** Notes a subscription bought (with its status, when it comes from saved progress); false when it was bought before. */
function buy(partner: PartnerProgress, subscriptionId: string, status: Status): boolean {
  if (partner.subscriptions.has(subscriptionId)) return false;
  partner.subscriptions.set(subscriptionId, status);
  partner.bought.push(subscriptionId);
  return true;
}

const end = (partner: PartnerProgress, subscriptionId: string, status: Status): boolean => {
  if (partner.subscriptions.get(subscriptionId) !== 'active') return false;
  partner.subscriptions.set(subscriptionId, status);
  partner.changed.add(subscriptionId);
  return true;
};

/** Whether the event changed what the partner's overview shows. */
function changes(partner: PartnerProgress, event: DomainEvent): boolean {
  switch (event.type) {
    case 'SharedTenantCreated':
      if (partner.sharedTenantId !== null) return false;
      partner.sharedTenantId = event.data.tenantId;
      return true;
    case 'ApssSubscriptionPurchased':
      return buy(partner, event.data.subscriptionId, 'active');
    case 'SubscriptionCancelled':
      return end(partner, event.data.subscriptionId, 'cancelled');
    case 'SubscriptionMigratedToWebDirect':
      return end(partner, event.data.subscriptionId, 'migrated');
    case 'ReservedInstancePurchased':
      return count(
        partner,
        partner.reservations,
        partner.reservationCounts,
        event.data.reservationId,
        event.data.subscriptionId,
      );
    case 'MarketplaceOfferDeployed':
      return count(
        partner,
        partner.deployments,
        partner.deploymentCounts,
        event.data.deploymentId,
        event.data.subscriptionId,
      );
    case 'ServiceProvisioned':
    case 'UsageRecorded':
      return false;
  }
}

function step(working: Working, event: DomainEvent): void {
  const { partnerId } = event.data;
  let partner = working.partners.get(partnerId);
  // Any event of a partner not seen before shows it, if only with nothing.
  const appears = partner === undefined;
  if (partner === undefined) working.partners.set(partnerId, (partner = newPartner(partnerId)));
  if (changes(partner, event) || appears) working.changed.add(partnerId);
}

const subscriptionOverview = (partner: PartnerProgress, subscriptionId: string): SubscriptionOverview =>
  Object.freeze({
    subscriptionId,
    status: partner.subscriptions.get(subscriptionId) as Status,
    reservations: partner.reservationCounts.get(subscriptionId) ?? 0,
    deployments: partner.deploymentCounts.get(subscriptionId) ?? 0,
  });

/**
 * The partner's overview, its subscriptions' list written only where they changed or were bought (a
 * subscription counted against before it was bought shows its count once it is).
 */
function overviewOf(partner: PartnerProgress): PartnerOverview {
  let { shown } = partner;
  const { places, changed, bought } = partner;
  for (const subscriptionId of changed) {
    const place = places.get(subscriptionId);
    if (place !== undefined) shown = shown.set(place, subscriptionOverview(partner, subscriptionId));
  }
  changed.clear();
  for (let place = shown.size; place < bought.length; place++) {
    const subscriptionId = bought[place] as string;
    places.set(subscriptionId, place);
    shown = shown.insert(place, subscriptionOverview(partner, subscriptionId));
  }
  partner.shown = shown;
  const subscriptions = shown;
  return Object.freeze({
    partnerId: partner.partnerId,
    sharedTenantId: partner.sharedTenantId,
    subscriptions: arrayView(subscriptions.size, (index) => subscriptions.at(index)),
  });
}

function view(working: Working): ReadonlyMap<string, PartnerOverview> {
  const { partners, places, changed } = working;
  if (working.shown !== undefined && changed.size === 0) return working.shown;
  let { overviews } = working;
  // A partner first changes when it appears: the new ones come in the order they appeared.
  for (const partnerId of changed) {
    const shown = overviewOf(partners.get(partnerId) as PartnerProgress);
    const place = places.get(partnerId);
    if (place !== undefined) overviews = overviews.set(place, shown);
    else {
      places.set(partnerId, overviews.size);
      overviews = overviews.insert(overviews.size, shown);
    }
  }
  changed.clear();
  working.overviews = overviews;
  const { size } = overviews;
  working.shown = mapView({
    size,
    get(partnerId: string) {
      const place = places.get(partnerId);
      return place !== undefined && place < size ? overviews.at(place) : undefined;
    },
    entries: () => entriesOf(overviews),
  });
  return working.shown;
}

function* entriesOf(overviews: PersistentList<PartnerOverview>): IterableIterator<[string, PartnerOverview]> {
  for (const shown of overviews) yield [shown.partnerId, shown];
}

const start = (): Working => ({
  partners: new Map(),
  overviews: PersistentList.empty(),
  places: new Map(),
  changed: new Set(),
  shown: undefined,
});

const copyPartner = (partner: PartnerProgress): PartnerProgress => ({
  partnerId: partner.partnerId,
  sharedTenantId: partner.sharedTenantId,
  subscriptions: new Map(partner.subscriptions),
  reservations: new Map(partner.reservations),
  deployments: new Map(partner.deployments),
  reservationCounts: new Map(partner.reservationCounts),
  deploymentCounts: new Map(partner.deploymentCounts),
  shown: partner.shown,
  places: new Map(partner.places),
  bought: [...partner.bought],
  changed: new Set(partner.changed),
});

const folding: Folding<Working, ReadonlyMap<string, PartnerOverview>> = {
  name: 'overview',
  start,
  step,
  view,
  copy: (working) => ({
    partners: new Map([...working.partners].map(([id, partner]) => [id, copyPartner(partner)])),
    overviews: working.overviews,
    places: new Map(working.places),
    changed: new Set(working.changed),
    shown: working.shown,
  }),
};

/**
 * Per partner (in the order they first appear), its shared tenant and its APSS subscriptions with
 * their status and how many reservations and deployments each has. Events change these exactly as
 * `evolve` changes the partner's state.
 */
export const overview: Projection<ReadonlyMap<string, PartnerOverview>> = foldingProjection(folding);

/** A partner's progress as saved: its overview's facts, and the ids of what it counted. */
const SavedPartner = struct('SavedPartnerOverview', {
  partnerId: Id,
  sharedTenantId: t.union([Id, t.null]),
  subscriptions: listOf(
    'SavedSubscriptions',
    struct('SavedSubscription', { subscriptionId: Id, status: SubscriptionStatus }),
    'subscriptions',
  ),
  reservations: listOf(
    'SavedReservations',
    struct('SavedReservation', { reservationId: Id, subscriptionId: Id }),
    'reservations',
  ),
  deployments: listOf(
    'SavedDeployments',
    struct('SavedDeployment', { deploymentId: Id, subscriptionId: Id }),
    'deployments',
  ),
});
export type SavedPartnerOverview = t.TypeOf<typeof SavedPartner>;

const SavedOverview = savedForm('overview', SavedPartner, {});
type SavedOverview = t.TypeOf<typeof SavedOverview>;

/** A partner's progress in its saved form (one line of the saved overview). */
const savedPartnerOf = (partner: PartnerProgress): SavedPartnerOverview => ({
  partnerId: partner.partnerId,
  sharedTenantId: partner.sharedTenantId,
  subscriptions: [...partner.subscriptions].map(([subscriptionId, status]) => ({ subscriptionId, status })),
  reservations: [...partner.reservations].map(([reservationId, subscriptionId]) => ({
    reservationId,
    subscriptionId,
  })),
  deployments: [...partner.deployments].map(([deploymentId, subscriptionId]) => ({
    deploymentId,
    subscriptionId,
  })),
});

/**
 * The saved lines of some partners of the overview's progress, for a store that keeps a row per
 * partner and writes only the partners an event changed (the PostgreSQL projection runner).
 */
export const savedPartners = (
  progress: OverviewProgress,
  partnerIds: Iterable<string>,
): SavedPartnerOverview[] =>
  [...partnerIds].map((id) =>
    savedPartnerOf((progress as unknown as Working).partners.get(id) as PartnerProgress),
  );

function rebuild(saved: SavedOverview): E.Either<ReturnType<typeof refuseAt>, Working> {
  const working = start();
  for (const [i, line] of saved.lines.entries()) {
    if (working.partners.has(line.partnerId))
      return E.left(refuseAt(`lines[${i}].partnerId`, `names a partner listed before (${line.partnerId})`));
    const partner = newPartner(line.partnerId);
    partner.sharedTenantId = line.sharedTenantId;
    for (const [j, { subscriptionId, status }] of line.subscriptions.entries())
      if (!buy(partner, subscriptionId, status))
        return E.left(
          refuseAt(
            `lines[${i}].subscriptions[${j}].subscriptionId`,
            `repeats a subscription (${subscriptionId})`,
          ),
        );
    for (const [j, { reservationId, subscriptionId }] of line.reservations.entries())
      if (!count(partner, partner.reservations, partner.reservationCounts, reservationId, subscriptionId))
        return E.left(
          refuseAt(
            `lines[${i}].reservations[${j}].reservationId`,
            `repeats a reservation (${reservationId})`,
          ),
        );
    for (const [j, { deploymentId, subscriptionId }] of line.deployments.entries())
      if (!count(partner, partner.deployments, partner.deploymentCounts, deploymentId, subscriptionId))
        return E.left(
          refuseAt(`lines[${i}].deployments[${j}].deploymentId`, `repeats a deployment (${deploymentId})`),
        );
    working.partners.set(line.partnerId, partner);
    working.changed.add(line.partnerId);
  }
  return E.right(working);
}

/** The overview's progress, opaque. */
export type OverviewProgress = Progress<'overview'>;

/**
 * The overview's progress as a value of its own: `save` it with the position it stands at, and
 * `load` it in another process to go on with the events after it.
 */
export const overviewProgress: ProjectionProgress<
  OverviewProgress,
  ReadonlyMap<string, PartnerOverview>
> = progressOf(
  folding,
  SavedOverview,
  ({ partners }) => ({
    projection: 'overview' as const,
    version: 1 as const,
    lines: [...partners.values()].map(savedPartnerOf),
  }),
  rebuild,
);
