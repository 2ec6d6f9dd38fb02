import { isPartnerState, type PartnerState, type SubscriptionRecord } from '../state/state.js';
import { defaultRules, RuleSet } from '../policies/ruleSet.js';
import { readOptions } from './options.js';

/**
 * What must be true of every state the rules let a partner reach, as values. Each is written
 * plainly from DOMAIN.md, apart from the rules, so that it can catch them out.
 */
export type Invariant = {
  readonly id: string;
  readonly description: string;
  /** Whether the state keeps the invariant; false for anything that is not a PartnerState. */
  readonly holds: (state: PartnerState) => boolean;
};

const ms = (instant: string): number => Date.parse(instant);
const day = (instant: string): string => new Date(ms(instant)).toISOString().slice(0, 10);

/** Whether something done at `instant` fell within the subscription's active life (both ends included). */
const whileActive = (subscription: SubscriptionRecord | undefined, instant: string): boolean =>
  subscription !== undefined &&
  ms(subscription.purchasedAt) <= ms(instant) &&
  (subscription.endedAt === null || ms(instant) <= ms(subscription.endedAt));

const invariant = (id: string, description: string, check: (state: PartnerState) => boolean): Invariant => ({
  id,
  description,
  holds: (state) => {
    if (!isPartnerState(state)) return false;
    // A state put together by hand may hold records of any shape: such a state does not hold.
    try {
      return check(state);
    } catch {
      return false;
    }
  },
});

/** The invariants under a rule set (the Marketplace cutoff is the rule set's). */
export function invariantsFor(ruleSet: RuleSet = defaultRules): readonly Invariant[] {
  const rules = readOptions(RuleSet, 'invariantsFor', ruleSet);
  const cutoff = ms(rules.marketplaceCutoff);
  return Object.freeze([
    invariant(
      'one-shared-tenant',
      'A partner has at most one shared services tenant: every APSS subscription is in it, and there is none without it',
      (state) =>
        [...state.subscriptions.values()].every(
          (subscription) => state.sharedTenantId !== null && subscription.tenantId === state.sharedTenantId,
        ),
    ),
    invariant(
      'shared-tenant-exclusive',
      'No Office 365, Dynamics 365 or other service is on the shared services tenant',
      (state) => [...state.services.values()].every((service) => service.tenantId !== state.sharedTenantId),
    ),
    invariant(
      'marketplace-cutoff',
      `No BYOL or free offer was deployed through the Marketplace at or after the cutoff ${rules.marketplaceCutoff}`,
      (state) =>
        [...state.deployments.values()].every(
          (d) => d.channel !== 'marketplace' || d.pricing === 'paid' || ms(d.deployedAt) < cutoff,
        ),
    ),
    invariant('no-paid-third-party', 'No paid third-party offer was ever deployed, on any channel', (state) =>
      [...state.deployments.values()].every((d) => d.pricing !== 'paid'),
    ),
    invariant(
      'subscription-life',
      'Every reserved instance, deployment and usage record belongs to a known APSS subscription: RIs and ' +
        'deployments were bought while it was active, usage is dated from its purchase day to the day it ended',
      (state) => {
        const subscriptions = state.subscriptions;
        const consistent = [...subscriptions.values()].every(
          (s) => (s.status === 'active') === (s.endedAt === null),
        );
        const reservations = [...state.reservations.values()].every((r) =>
          whileActive(subscriptions.get(r.subscriptionId), r.purchasedAt),
        );
        const deployments = [...state.deployments.values()].every((d) =>
          whileActive(subscriptions.get(d.subscriptionId), d.deployedAt),
        );
        // The state keeps usage ids, the count of those naming no known subscription, and per subscription
        // the first and last day of its usage.
        const usage =
          state.unattributedUsage === 0 &&
          [...subscriptions.values()].every(
            (s) =>
              (s.firstUsageDay === null) === (s.lastUsageDay === null) &&
              (s.firstUsageDay === null || day(s.purchasedAt) <= s.firstUsageDay) &&
              (s.lastUsageDay === null || s.endedAt === null || s.lastUsageDay <= day(s.endedAt)),
          );
        return consistent && reservations && deployments && usage;
      },
    ),
    invariant(
      'time-never-decreases',
      "Event times never decrease: each kind of record is in time order as it was added, nothing is dated after the partner's latest event, no subscription ends before it began",
      (state) => {
        if ((state.lastEventAt === null) !== (state.version === 0)) return false;
        const last = state.lastEventAt === null ? -Infinity : ms(state.lastEventAt);
        const added = [
          [...state.subscriptions.values()].map((s) => s.purchasedAt),
          [...state.reservations.values()].map((r) => r.purchasedAt),
          [...state.deployments.values()].map((d) => d.deployedAt),
          [...state.services.values()].map((s) => s.provisionedAt),
        ];
        const ended = [...state.subscriptions.values()].flatMap((s) =>
          s.endedAt === null ? [] : [s.endedAt],
        );
        const inOrder = added.every((instants) =>
          instants.every((at, i) => i === 0 || ms(instants[i - 1] as string) <= ms(at)),
        );
        const ordered = [...state.subscriptions.values()].every(
          (s) => s.endedAt === null || ms(s.purchasedAt) <= ms(s.endedAt),
        );
        return inOrder && ordered && [...added.flat(), ...ended].every((instant) => ms(instant) <= last);
      },
    ),
  ]);
}

/** The invariants under the default rules (the 11/11/2020 page). */
export const invariants: readonly Invariant[] = invariantsFor(defaultRules);

/** The ids of the invariants a state breaks (none, for every state the rules allow). */
export const brokenInvariants = (
  state: PartnerState,
  list: readonly Invariant[] = invariants,
): readonly string[] => list.filter((i) => !i.holds(state)).map((i) => i.id);
