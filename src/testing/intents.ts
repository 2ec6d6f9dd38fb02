import fc, { type Arbitrary } from 'fast-check';
import type { CommandType } from '../domain/commands.js';
import type { Role } from '../events/roles.js';
import {
  channels,
  crossShrink,
  DAY_MS,
  MINUTE_MS,
  offsetMinutes,
  pricings,
  products,
  roles,
  scopes,
  terms,
  unusualId,
} from './values.js';

/**
 * What a command of a sequence is drawn as: an intent ("deploy a BYOL offer on some live
 * subscription, a little later"), made concrete later against the ids met so far.
 */

export type Step =
  | { readonly kind: 'same' }
  | { readonly kind: 'later'; readonly ms: number }
  | { readonly kind: 'cutoff'; readonly delta: number }
  | { readonly kind: 'earlier'; readonly ms: number };

export type Intent = {
  readonly type: CommandType;
  readonly step: Step;
  readonly offset: number;
  /** null: a role the rules permit for the command; otherwise this role, permitted or not. */
  readonly role: Role | null;
  readonly otherPartner: boolean;
  /** Which of the known things to use, when there is a choice. */
  readonly pick: number;
  /** The command is about something unknown or out of place (a subscription that does not exist...). */
  readonly strayTarget: boolean;
  /** The id the command introduces is one already taken. */
  readonly takenId: boolean;
  /** An unusual valid id to introduce instead of the next short one. */
  readonly unusualId: string | null;
  readonly pricing: (typeof pricings)[number];
  readonly channel: (typeof channels)[number];
  readonly product: (typeof products)[number];
  readonly term: (typeof terms)[number];
  readonly scope: (typeof scopes)[number];
  readonly quantity: number;
  readonly usageDay: { readonly from: 'purchase' | 'end' | 'now'; readonly shift: number };
  readonly subscriptionName: string | null;
};

// How often each command is drawn: the ones with more rules to them, more often.
const typeWeights: Record<CommandType, number> = {
  CreateSharedTenant: 1,
  PurchaseApss: 2,
  CancelSubscription: 1,
  MigrateToWebDirect: 1,
  BuyReservedInstance: 2,
  DeployMarketplaceOffer: 4,
  ProvisionService: 2,
  RecordUsage: 3,
};

/** True with probability p; shrinks to false, the usual case. */
const sometimes = (p: number): Arbitrary<boolean> =>
  fc.integer({ min: 0, max: 999 }).map((n) => n >= Math.round(1000 * (1 - p)));

const weighted = <V>(...entries: readonly (readonly [V, number])[]): Arbitrary<V> =>
  fc.oneof(crossShrink, ...entries.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));

const step: Arbitrary<Step> = fc.oneof(
  crossShrink,
  { weight: 2, arbitrary: fc.constant({ kind: 'same' as const }) },
  {
    weight: 6,
    arbitrary: fc
      .integer({ min: 1, max: 6 * 60 })
      .map((m) => ({ kind: 'later' as const, ms: m * MINUTE_MS })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 45 }).map((d) => ({ kind: 'later' as const, ms: d * DAY_MS })),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1).map((delta) => ({ kind: 'cutoff' as const, delta })) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 2 * 60 * 60 })
      .map((s) => ({ kind: 'earlier' as const, ms: s * 1000 })),
  },
);

export const intentOf = (type: Arbitrary<CommandType>): Arbitrary<Intent> =>
  fc.record({
    type,
    step,
    offset: offsetMinutes(),
    role: fc.oneof(
      crossShrink,
      { weight: 9, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(...roles) },
    ),
    otherPartner: sometimes(0.03),
    pick: fc.nat({ max: 11 }),
    strayTarget: sometimes(0.08),
    takenId: sometimes(0.06),
    unusualId: fc.oneof(
      crossShrink,
      { weight: 19, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: unusualId() },
    ),
    pricing: weighted(['byol', 4], ['free', 3], ['paid', 1]),
    channel: fc.constantFrom(...channels),
    product: fc.constantFrom(...products),
    term: fc.constantFrom(...terms),
    scope: fc.constantFrom(...scopes),
    quantity: fc.integer({ min: 1, max: 5 }),
    usageDay: fc.record({
      from: weighted(['purchase', 2], ['end', 1], ['now', 2]),
      shift: fc.constantFrom(0, -1, 1, 2, 7),
    }),
    subscriptionName: fc.oneof(
      crossShrink,
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('Dev/Test', 'Internal tools') },
    ),
  });

export const anyType = weighted(...(Object.entries(typeWeights) as [CommandType, number][]));
