import { applyEvent } from '../state/evolve.js';
import { freezeMap } from '../lib/freeze.js';
import {
  emptyState,
  freezeState,
  thaw,
  type MutablePartnerState,
  type PartnerState,
} from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';
import { foldingProjection, type Projection } from './projection.js';
import type { PartnerOverview } from './viewCodecs.js';

export type { PartnerOverview, SubscriptionOverview } from './viewCodecs.js';

/** How far the overview has got: each partner's state, and the partners changed since the last view. */
type OverviewProgress = {
  readonly overviews: Map<string, PartnerOverview>;
  readonly states: Map<string, PartnerState>;
  /** The partners changed since the last view, as private mutable copies of their states. */
  readonly drafts: Map<string, MutablePartnerState>;
  /** The view last read out: events that change no partner (usage) leave it as it was. */
  shown: ReadonlyMap<string, PartnerOverview> | undefined;
};

const countBy = (records: Iterable<{ readonly subscriptionId: string }>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const { subscriptionId } of records) counts.set(subscriptionId, (counts.get(subscriptionId) ?? 0) + 1);
  return counts;
};

function overviewOf(partnerId: string, state: PartnerState): PartnerOverview {
  const reservations = countBy(state.reservations.values());
  const deployments = countBy(state.deployments.values());
  const subscriptions = [...state.subscriptions.values()].map(({ subscriptionId, status }) =>
    Object.freeze({
      subscriptionId,
      status,
      reservations: reservations.get(subscriptionId) ?? 0,
      deployments: deployments.get(subscriptionId) ?? 0,
    }),
  );
  return Object.freeze({
    partnerId,
    sharedTenantId: state.sharedTenantId,
    subscriptions: Object.freeze(subscriptions),
  });
}

function step({ states, drafts }: OverviewProgress, event: DomainEvent): void {
  const { partnerId } = event.data;
  // The overview shows no usage: leaving it out of the state spares a record per usage line.
  if (event.type === 'UsageRecorded' && (states.has(partnerId) || drafts.has(partnerId))) return;
  let draft = drafts.get(partnerId);
  if (draft === undefined) {
    const state = states.get(partnerId);
    draft = state === undefined ? { ...emptyState(), partnerId } : thaw(state);
    drafts.set(partnerId, draft);
  }
  if (event.type !== 'UsageRecorded') applyEvent(draft, event);
}

function view(progress: OverviewProgress): ReadonlyMap<string, PartnerOverview> {
  const { overviews, states, drafts } = progress;
  if (progress.shown !== undefined && drafts.size === 0) return progress.shown;
  for (const [partnerId, draft] of drafts) {
    const state = freezeState(draft);
    states.set(partnerId, state);
    overviews.set(partnerId, overviewOf(partnerId, state));
  }
  drafts.clear();
  progress.shown = freezeMap(new Map(overviews)) as ReadonlyMap<string, PartnerOverview>;
  return progress.shown;
}

/**
 * Per partner (in the order they first appear), its shared tenant and its APSS subscriptions with
 * their status and how many reservations and deployments each has. Events change the partner's
 * state exactly as `evolve` does.
 */
export const overview: Projection<ReadonlyMap<string, PartnerOverview>> = foldingProjection({
  name: 'overview',
  start: (): OverviewProgress => ({
    overviews: new Map(),
    states: new Map(),
    drafts: new Map(),
    shown: undefined,
  }),
  step,
  view,
  // Read out first: the drafts are then part of the frozen states, which the copy can share.
  copy: (progress: OverviewProgress): OverviewProgress => {
    const shown = view(progress);
    return {
      overviews: new Map(progress.overviews),
      states: new Map(progress.states),
      drafts: new Map(),
      shown,
    };
  },
});
