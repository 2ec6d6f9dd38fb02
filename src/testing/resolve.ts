import type { Command, CommandType } from '../domain/commands.js';
import { instantMs } from '../lib/time.js';
import type { EventType } from '../events/codecs.js';
import type { RuleSet } from '../policies/ruleSet.js';
import type { Intent, Step } from './intents.js';
import { DAY_MS, writeInstant } from './values.js';

/** Making an intent concrete: the command it stands for, given the ids a sequence has met so far. */

// The event whose rules decide who may issue the command.
const firstEvent: Record<CommandType, EventType> = {
  CreateSharedTenant: 'SharedTenantCreated',
  PurchaseApss: 'ApssSubscriptionPurchased',
  CancelSubscription: 'SubscriptionCancelled',
  MigrateToWebDirect: 'SubscriptionMigratedToWebDirect',
  BuyReservedInstance: 'ReservedInstancePurchased',
  DeployMarketplaceOffer: 'MarketplaceOfferDeployed',
  ProvisionService: 'ServiceProvisioned',
  RecordUsage: 'UsageRecorded',
};

/** What the sequence has met so far: the ids it can refer to, and when subscriptions began and ended. */
export class Known {
  cursor: number;
  started = false;
  sharedTenant: string | null = null;
  readonly tenants: string[] = [];
  readonly subscriptions: string[] = [];
  readonly life = new Map<string, { purchasedAt: number; endedAt: number | null }>();
  readonly reservations: string[] = [];
  readonly deployments: string[] = [];
  readonly services: string[] = [];
  readonly usage: string[] = [];
  private readonly counters = new Map<string, number>();

  constructor(start: number) {
    this.cursor = start;
  }

  /** A short id never handed out before: `s4`, `t2`. */
  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n}`;
  }

  active(): string[] {
    return this.subscriptions.filter((id) => this.life.get(id)?.endedAt === null);
  }

  /** Takes note of what a command mentions (the ids it introduces, when things began and ended). */
  remember(command: Command): void {
    const ms = instantMs(command.metadata.at);
    this.cursor = Math.max(this.cursor, ms);
    this.started = true;
    const add = (list: string[], id: string) => {
      if (!list.includes(id)) list.push(id);
    };
    switch (command.type) {
      case 'CreateSharedTenant':
      case 'PurchaseApss':
        if (command.type === 'CreateSharedTenant') this.sharedTenant ??= command.data.tenantId;
        add(this.tenants, command.data.tenantId);
        add(this.subscriptions, command.data.subscriptionId);
        if (!this.life.has(command.data.subscriptionId))
          this.life.set(command.data.subscriptionId, { purchasedAt: ms, endedAt: null });
        return;
      case 'CancelSubscription':
      case 'MigrateToWebDirect': {
        const life = this.life.get(command.data.subscriptionId);
        if (life !== undefined && life.endedAt === null) life.endedAt = ms;
        return;
      }
      case 'BuyReservedInstance':
        return add(this.reservations, command.data.reservationId);
      case 'DeployMarketplaceOffer':
        return add(this.deployments, command.data.deploymentId);
      case 'ProvisionService':
        add(this.tenants, command.data.tenantId);
        return add(this.services, command.data.serviceId);
      case 'RecordUsage':
        return add(this.usage, command.data.usageId);
    }
  }
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Makes an intent concrete: the command it stands for, given what is known so far. */
export function resolve(intent: Intent, known: Known, rules: RuleSet, partnerId: string): Command {
  const { pick } = intent;
  const choose = (list: readonly string[]): string | undefined => list[pick % Math.max(1, list.length)];
  const introduce = (prefix: string, taken: readonly string[]): string =>
    (intent.takenId ? choose(taken) : undefined) ?? intent.unusualId ?? known.next(prefix);
  const ms = timeOf(intent.step, known.cursor, instantMs(rules.marketplaceCutoff));
  const permitted = rules.permittedRoles[firstEvent[intent.type]];
  const role = intent.role ?? permitted[pick % Math.max(1, permitted.length)] ?? 'GlobalAdmin';
  const metadata = {
    actor: { id: role === 'System' ? 'billing' : pick % 2 === 0 ? 'alice' : 'bob', role },
    at: writeInstant(ms, intent.offset),
  };
  const partner = intent.otherPartner && known.started ? (partnerId === 'p2' ? 'p1' : 'p2') : partnerId;
  const named = intent.subscriptionName === null ? {} : { subscriptionName: intent.subscriptionName };
  const otherTenants = known.tenants.filter((id) => id !== known.sharedTenant);
  // Cancel, migrate, buy and deploy go to a live subscription, unless the intent strays.
  const liveSubscription = (): string =>
    intent.strayTarget
      ? pick % 2 === 0
        ? known.next('s')
        : (choose(known.subscriptions) ?? known.next('s'))
      : (choose(known.active()) ?? choose(known.subscriptions) ?? known.next('s'));
  switch (intent.type) {
    case 'CreateSharedTenant':
      return {
        type: 'CreateSharedTenant',
        data: {
          partnerId: partner,
          tenantId:
            (intent.strayTarget ? (choose(otherTenants) ?? choose(known.tenants)) : undefined) ??
            known.next('t'),
          subscriptionId: introduce('s', known.subscriptions),
          ...named,
        },
        metadata,
      };
    case 'PurchaseApss':
      return {
        type: 'PurchaseApss',
        data: {
          partnerId: partner,
          tenantId:
            (intent.strayTarget ? choose(otherTenants) : (known.sharedTenant ?? undefined)) ??
            known.next('t'),
          subscriptionId: introduce('s', known.subscriptions),
          ...named,
        },
        metadata,
      };
    case 'CancelSubscription':
      return {
        type: 'CancelSubscription',
        data: { partnerId: partner, subscriptionId: liveSubscription() },
        metadata,
      };
    case 'MigrateToWebDirect':
      return {
        type: 'MigrateToWebDirect',
        data: {
          partnerId: partner,
          subscriptionId: liveSubscription(),
          webDirectSubscriptionId: known.next('wd'),
        },
        metadata,
      };
    case 'BuyReservedInstance':
      return {
        type: 'BuyReservedInstance',
        data: {
          partnerId: partner,
          subscriptionId: liveSubscription(),
          reservationId: introduce('r', known.reservations),
          sku: 'Standard_D2s_v3',
          region: 'westeurope',
          term: intent.term,
          scope: intent.scope,
          quantity: intent.quantity,
        },
        metadata,
      };
    case 'DeployMarketplaceOffer':
      return {
        type: 'DeployMarketplaceOffer',
        data: {
          partnerId: partner,
          subscriptionId: liveSubscription(),
          deploymentId: introduce('d', known.deployments),
          offerId: `offer${(pick % 3) + 1}`,
          publisherId: 'contoso',
          pricing: intent.pricing,
          channel: intent.channel,
        },
        metadata,
      };
    case 'ProvisionService':
      return {
        type: 'ProvisionService',
        data: {
          partnerId: partner,
          tenantId: intent.strayTarget
            ? (known.sharedTenant ?? known.next('t'))
            : pick % 2 === 0
              ? known.next('t')
              : (choose(otherTenants) ?? known.next('t')),
          serviceId: introduce('svc', known.services),
          product: intent.product,
        },
        metadata,
      };
    case 'RecordUsage': {
      const subscriptionId = intent.strayTarget
        ? known.next('s')
        : (choose(known.subscriptions) ?? known.next('s'));
      const life = known.life.get(subscriptionId);
      const { from, shift } = intent.usageDay;
      const anchor =
        from === 'purchase' && life !== undefined
          ? life.purchasedAt + shift * DAY_MS
          : from === 'end' && life?.endedAt != null
            ? life.endedAt + shift * DAY_MS
            : ms - Math.abs(shift) * DAY_MS;
      return {
        type: 'RecordUsage',
        data: {
          partnerId: partner,
          subscriptionId,
          usageId: introduce('u', known.usage),
          usageDate: utcDay(anchor),
          meterCategory: 'Virtual Machines',
          meterName: 'D2s v3',
          quantity: intent.quantity * 1.5,
          unitPrice: [0, 0.1, 0.2, 12.5][pick % 4] as number,
          currency: pick % 3 === 0 ? 'USD' : 'EUR',
        },
        metadata,
      };
    }
  }
}

function timeOf(step: Step, cursor: number, cutoff: number): number {
  switch (step.kind) {
    case 'same':
      return cursor;
    case 'later':
      return cursor + step.ms;
    case 'earlier':
      return cursor - step.ms;
    case 'cutoff':
      return Math.max(cursor, cutoff + step.delta);
  }
}
