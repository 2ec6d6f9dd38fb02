import type { RejectionCode } from '../../policies/rejection.js';
import type { Actor } from '../../events/roles.js';
import { instantMs, utcDayOf } from '../../lib/time.js';
import { currentVersion, type DomainEvent, type EventData, type EventType } from '../../events/codecs.js';
import { allViolations } from '../../policies/admissibility.js';
import type { CompiledRules } from '../../policies/ruleSet.js';
import { CUTOFF_MS } from './activity.js';
import { billingSystem, nextId, staffMember, type Partner } from './partner.js';
import type { Random } from './random.js';

/** Where the generator stands when it injects a violation: the time, and partners to choose from. */
export type Scene = {
  readonly random: Random;
  readonly at: string;
  readonly now: number;
  /** A random live partner, if there is one. */
  readonly live: () => Partner | undefined;
  /** A partner without a shared tenant yet (waiting or customer), if there is one. */
  readonly beforeTenant: () => Partner | undefined;
  /** A partner with customer tenants but no shared tenant yet, if there is one. */
  readonly customer: () => Partner | undefined;
};

/** A recorded event that breaks one rule, for one partner. */
export type Injection = {
  readonly partner: Partner;
  readonly event: DomainEvent;
  readonly code: RejectionCode;
};

type Recipe = { readonly code: RejectionCode; readonly make: (scene: Scene) => Injection | undefined };

const event = <K extends EventType>(type: K, data: EventData<K>, actor: Actor, at: string): DomainEvent =>
  ({ type, data, metadata: { actor, at, schemaVersion: currentVersion[type] } }) as DomainEvent;

/** An event of the partner's by one of its staff, drawn after the data (whose own draws come first). */
const byStaff = <K extends EventType>(
  type: K,
  data: Omit<EventData<K>, 'partnerId'>,
  partner: Partner,
  scene: Scene,
  at = scene.at,
): DomainEvent =>
  event(
    type,
    { partnerId: partner.id, ...data } as unknown as EventData<K>,
    staffMember(partner, scene.random),
    at,
  );

const iso = (ms: number): string => new Date(ms).toISOString();
const DAY_MS = 86_400_000;

/** Builds an injection for a partner that `choose` finds, if any. */
const forPartner =
  (
    code: RejectionCode,
    choose: (scene: Scene) => Partner | undefined,
    make: (partner: Partner, scene: Scene) => DomainEvent | undefined,
  ) =>
  (scene: Scene): Injection | undefined => {
    const partner = choose(scene);
    if (partner === undefined) return undefined;
    const made = make(partner, scene);
    return made === undefined ? undefined : { partner, event: made, code };
  };

const live = (scene: Scene) => scene.live();

const reservationEvent = (
  partner: Partner,
  random: Random,
  subscriptionId: string,
  actor: Actor,
  at: string,
) =>
  event(
    'ReservedInstancePurchased',
    {
      partnerId: partner.id,
      subscriptionId,
      reservationId: nextId(partner, 'reservation'),
      sku: 'Standard_D4s_v3',
      region: 'westeurope',
      term: 'P1Y',
      scope: 'single',
      quantity: random.between(1, 4),
    },
    actor,
    at,
  );

type Deployment = EventData<'MarketplaceOfferDeployed'>;

const deploymentEvent = (
  partner: Partner,
  scene: Scene,
  pricing: Deployment['pricing'],
  channel: Deployment['channel'],
  at: string,
) =>
  byStaff(
    'MarketplaceOfferDeployed',
    {
      subscriptionId: scene.random.pick(partner.active),
      deploymentId: nextId(partner, 'deployment'),
      offerId: pricing === 'paid' ? 'sap-hana-enterprise' : 'fortigate-byol',
      publisherId: pricing === 'paid' ? 'sap' : 'fortinet',
      pricing,
      channel,
    },
    partner,
    scene,
    at,
  );

const purchaseEvent = (partner: Partner, scene: Scene, tenantId: string, subscriptionId: string) =>
  byStaff(
    'ApssSubscriptionPurchased',
    { tenantId, subscriptionId, subscriptionName: 'Azure - Internal/Shared Services' },
    partner,
    scene,
  );

/** One recipe per rejection code a log can show, in rule-table order. */
const recipes: readonly Recipe[] = [
  {
    code: 'OUT_OF_ORDER',
    make: forPartner('OUT_OF_ORDER', live, (partner, scene) => {
      const last = instantMs(partner.state.lastEventAt as string);
      // The case R2 exists for: a Marketplace deployment dated back to slip under the cutoff.
      if (last > CUTOFF_MS + DAY_MS)
        return deploymentEvent(
          partner,
          scene,
          'byol',
          'marketplace',
          iso(CUTOFF_MS - scene.random.between(1, 30) * DAY_MS),
        );
      const at = iso(last - scene.random.between(1, DAY_MS));
      return reservationEvent(
        partner,
        scene.random,
        scene.random.pick(partner.active),
        staffMember(partner, scene.random),
        at,
      );
    }),
  },
  {
    code: 'ROLE_NOT_PERMITTED',
    make: forPartner('ROLE_NOT_PERMITTED', live, (partner, scene) => {
      const role = scene.random.pick(['HelpdeskAgent', 'BillingAdmin', 'UserManagementAdmin'] as const);
      const actor = { id: `${role.toLowerCase()}@${partner.id}.example`, role };
      return reservationEvent(partner, scene.random, scene.random.pick(partner.active), actor, scene.at);
    }),
  },
  {
    code: 'TENANT_ALREADY_EXISTS',
    make: forPartner('TENANT_ALREADY_EXISTS', live, (partner, scene) =>
      byStaff('SharedTenantCreated', { tenantId: nextId(partner, 'tenant') }, partner, scene),
    ),
  },
  {
    code: 'TENANT_NOT_EXCLUSIVE',
    make: forPartner(
      'TENANT_NOT_EXCLUSIVE',
      (scene) => scene.customer(),
      (partner, scene) =>
        byStaff(
          'SharedTenantCreated',
          { tenantId: scene.random.pick(partner.customerTenants) },
          partner,
          scene,
        ),
    ),
  },
  {
    code: 'SHARED_TENANT_EXCLUSIVE',
    make: forPartner('SHARED_TENANT_EXCLUSIVE', live, (partner, scene) =>
      byStaff(
        'ServiceProvisioned',
        {
          tenantId: partner.state.sharedTenantId as string,
          serviceId: nextId(partner, 'service'),
          product: 'Office365',
        },
        partner,
        scene,
      ),
    ),
  },
  {
    code: 'NO_SHARED_TENANT',
    make: forPartner(
      'NO_SHARED_TENANT',
      (scene) => scene.beforeTenant(),
      (partner, scene) =>
        purchaseEvent(partner, scene, nextId(partner, 'tenant'), nextId(partner, 'subscription')),
    ),
  },
  {
    code: 'NOT_SHARED_TENANT',
    make: forPartner('NOT_SHARED_TENANT', live, (partner, scene) =>
      purchaseEvent(partner, scene, nextId(partner, 'tenant'), nextId(partner, 'subscription')),
    ),
  },
  {
    code: 'SUBSCRIPTION_NOT_FOUND',
    make: forPartner('SUBSCRIPTION_NOT_FOUND', live, (partner, scene) =>
      reservationEvent(
        partner,
        scene.random,
        `sub-${partner.label}-unknown-${partner.counters.reservation + 1}`,
        staffMember(partner, scene.random),
        scene.at,
      ),
    ),
  },
  {
    code: 'SUBSCRIPTION_NOT_ACTIVE',
    make: forPartner('SUBSCRIPTION_NOT_ACTIVE', live, (partner, scene) =>
      partner.ended.length === 0
        ? undefined
        : reservationEvent(
            partner,
            scene.random,
            scene.random.pick(partner.ended),
            staffMember(partner, scene.random),
            scene.at,
          ),
    ),
  },
  {
    code: 'DUPLICATE_ID',
    make: forPartner('DUPLICATE_ID', live, (partner, scene) =>
      purchaseEvent(
        partner,
        scene,
        partner.state.sharedTenantId as string,
        scene.random.pick(partner.active),
      ),
    ),
  },
  {
    code: 'THIRD_PARTY_OFFER_NOT_SUPPORTED',
    make: forPartner('THIRD_PARTY_OFFER_NOT_SUPPORTED', live, (partner, scene) =>
      deploymentEvent(partner, scene, 'paid', scene.now < CUTOFF_MS ? 'marketplace' : 'isv-direct', scene.at),
    ),
  },
  {
    code: 'MARKETPLACE_CUTOFF',
    make: forPartner('MARKETPLACE_CUTOFF', live, (partner, scene) =>
      scene.now < CUTOFF_MS
        ? undefined
        : deploymentEvent(
            partner,
            scene,
            scene.random.chance(0.5) ? 'byol' : 'free',
            'marketplace',
            scene.at,
          ),
    ),
  },
  {
    code: 'USAGE_OUTSIDE_SUBSCRIPTION_PERIOD',
    make: forPartner('USAGE_OUTSIDE_SUBSCRIPTION_PERIOD', live, (partner, scene) => {
      const subscriptionId = scene.random.pick(partner.active);
      const purchasedAt = partner.state.subscriptions.get(subscriptionId)?.purchasedAt as string;
      const before = utcDayOf(iso(instantMs(purchasedAt) - scene.random.between(1, 30) * DAY_MS));
      return event(
        'UsageRecorded',
        {
          partnerId: partner.id,
          subscriptionId,
          usageId: nextId(partner, 'usage'),
          usageDate: before,
          meterCategory: 'Virtual Machines',
          meterName: 'D2s v3',
          quantity: 24,
          unitPrice: 0.096,
          currency: partner.currency,
        },
        billingSystem,
        scene.at,
      );
    }),
  },
];

/** The rejection codes the generator injects, in the order it cycles through them. */
export const injectedCodes: readonly RejectionCode[] = recipes.map((recipe) => recipe.code);

/** Which kind of violation comes next, and the kinds that could not be made when their turn came. */
export class InjectionPlan {
  private turn = 0;
  private readonly owed: number[] = [];

  /**
   * A violation that breaks exactly one rule (the rules themselves check it): a kind that was owed
   * first, then the next kind in the cycle, then any kind that can be made at this point of the log.
   * A kind skipped is owed until it can be made.
   */
  next(scene: Scene, rules: CompiledRules): Injection | undefined {
    const cycle = this.turn % recipes.length;
    const candidates = [
      ...this.owed,
      ...recipes.map((_, i) => (cycle + i) % recipes.length).filter((i) => !this.owed.includes(i)),
    ];
    for (const index of candidates) {
      const made = attempt(recipes[index] as Recipe, scene, rules);
      if (made === undefined) continue;
      if (this.owed.includes(index)) this.owed.splice(this.owed.indexOf(index), 1);
      else {
        for (let i = cycle; i !== index; i = (i + 1) % recipes.length)
          if (!this.owed.includes(i)) this.owed.push(i);
        this.turn = index + 1;
      }
      return made;
    }
    return undefined;
  }
}

function attempt(recipe: Recipe, scene: Scene, rules: CompiledRules): Injection | undefined {
  const made = recipe.make(scene);
  if (made === undefined) return undefined;
  const violations = allViolations(made.partner.state, made.event, rules);
  return violations.length === 1 && violations[0]?.code === recipe.code ? made : undefined;
}
