// A reference model of the APSS rules, written from DOMAIN.md alone, in plain code and apart from
// the library: it shares nothing with src/ but the types of the messages it reads.
import type { Command, CommandOf, DomainEvent } from 'apss-domain';

type Subscription = { status: 'active' | 'cancelled' | 'migrated'; boughtAt: number; endedAt: number | null };

/** Who may do what, and the Marketplace cutoff: the rule set as DOMAIN.md states it. */
export type ModelRules = { readonly partnerRoles: readonly string[]; readonly cutoff: string };

export const modelRules = {
  // The 11/11/2020 page.
  default: { partnerRoles: ['GlobalAdmin', 'AdminAgent', 'SalesAgent'], cutoff: '2019-03-01T00:00:00Z' },
  // The later page: global admins are no longer listed.
  2023: { partnerRoles: ['AdminAgent', 'SalesAgent'], cutoff: '2019-03-01T00:00:00Z' },
} satisfies Record<string, ModelRules>;

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Event data is command data; a subscription's name defaults when the command leaves it out. */
const DEFAULT_NAME = 'Azure - Internal/Shared Services';

const purchased = (data: CommandOf<'PurchaseApss'>['data']) => ({
  type: 'ApssSubscriptionPurchased' as const,
  data: { ...data, subscriptionName: data.subscriptionName ?? DEFAULT_NAME },
});

export class ReferenceModel {
  private partner: string | null = null;
  private last: number | null = null;
  private tenant: string | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly reservations = new Set<string>();
  private readonly deployments = new Set<string>();
  private readonly serviceTenants = new Map<string, string>();
  private readonly usage = new Set<string>();

  constructor(private readonly rules: ModelRules) {}

  /** The code the rules refuse a command with, or null if they accept it (and then it is applied). */
  run(command: Command): string | null {
    const code = this.judge(command);
    if (code === null) this.apply(command);
    return code;
  }

  /** What the events of an accepted command say: their types, data, actor and UTC instant. */
  static eventsOf(command: Command): readonly Pick<DomainEvent, 'type' | 'data'>[] {
    const { type, data } = command;
    switch (type) {
      case 'CreateSharedTenant':
        return [
          { type: 'SharedTenantCreated', data: { partnerId: data.partnerId, tenantId: data.tenantId } },
          purchased(data),
        ];
      case 'PurchaseApss':
        return [purchased(data)];
      case 'CancelSubscription':
        return [{ type: 'SubscriptionCancelled', data }];
      case 'MigrateToWebDirect':
        return [{ type: 'SubscriptionMigratedToWebDirect', data }];
      case 'BuyReservedInstance':
        return [{ type: 'ReservedInstancePurchased', data }];
      case 'DeployMarketplaceOffer':
        return [{ type: 'MarketplaceOfferDeployed', data }];
      case 'ProvisionService':
        return [{ type: 'ServiceProvisioned', data }];
      case 'RecordUsage':
        return [{ type: 'UsageRecorded', data }];
    }
  }

  private judge(command: Command): string | null {
    const at = Date.parse(command.metadata.at);
    const role = command.metadata.actor.role;
    const { data } = command;
    const partnerAction = this.rules.partnerRoles.includes(role);

    // R1, R2, R3: every event.
    if (this.partner !== null && data.partnerId !== this.partner) return 'PARTNER_MISMATCH';
    if (this.last !== null && at < this.last) return 'OUT_OF_ORDER';
    if (command.type === 'RecordUsage' ? role !== 'System' : !partnerAction) return 'ROLE_NOT_PERMITTED';

    switch (command.type) {
      case 'CreateSharedTenant': {
        // Its first event makes the tenant...
        if (this.tenant !== null) return 'TENANT_ALREADY_EXISTS';
        if ([...this.serviceTenants.values()].includes(command.data.tenantId)) return 'TENANT_NOT_EXCLUSIVE';
        // ...its second buys a subscription into it.
        if (this.subscriptions.has(command.data.subscriptionId)) return 'DUPLICATE_ID';
        return null;
      }
      case 'PurchaseApss':
        if (this.tenant === null) return 'NO_SHARED_TENANT';
        if (command.data.tenantId !== this.tenant) return 'NOT_SHARED_TENANT';
        if (this.subscriptions.has(command.data.subscriptionId)) return 'DUPLICATE_ID';
        return null;
      case 'CancelSubscription':
      case 'MigrateToWebDirect':
        return this.liveSubscription(command.data.subscriptionId);
      case 'BuyReservedInstance':
        return (
          this.liveSubscription(command.data.subscriptionId) ??
          (this.reservations.has(command.data.reservationId) ? 'DUPLICATE_ID' : null)
        );
      case 'DeployMarketplaceOffer': {
        const live = this.liveSubscription(command.data.subscriptionId);
        if (live !== null) return live;
        if (this.deployments.has(command.data.deploymentId)) return 'DUPLICATE_ID';
        if (command.data.pricing === 'paid') return 'THIRD_PARTY_OFFER_NOT_SUPPORTED';
        if (command.data.channel === 'marketplace' && at >= Date.parse(this.rules.cutoff))
          return 'MARKETPLACE_CUTOFF';
        return null;
      }
      case 'ProvisionService':
        if (command.data.tenantId === this.tenant) return 'SHARED_TENANT_EXCLUSIVE';
        if (this.serviceTenants.has(command.data.serviceId)) return 'DUPLICATE_ID';
        return null;
      case 'RecordUsage': {
        const subscription = this.subscriptions.get(command.data.subscriptionId);
        if (subscription === undefined) return 'SUBSCRIPTION_NOT_FOUND';
        if (this.usage.has(command.data.usageId)) return 'DUPLICATE_ID';
        const day = command.data.usageDate;
        if (day < utcDay(subscription.boughtAt)) return 'USAGE_OUTSIDE_SUBSCRIPTION_PERIOD';
        if (subscription.endedAt !== null && day > utcDay(subscription.endedAt))
          return 'USAGE_OUTSIDE_SUBSCRIPTION_PERIOD';
        if (day > utcDay(at)) return 'USAGE_OUTSIDE_SUBSCRIPTION_PERIOD';
        return null;
      }
    }
  }

  private liveSubscription(id: string): string | null {
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined) return 'SUBSCRIPTION_NOT_FOUND';
    return subscription.status === 'active' ? null : 'SUBSCRIPTION_NOT_ACTIVE';
  }

  private buy(subscriptionId: string, at: number): void {
    this.subscriptions.set(subscriptionId, { status: 'active', boughtAt: at, endedAt: null });
  }

  private apply(command: Command): void {
    const at = Date.parse(command.metadata.at);
    this.partner = command.data.partnerId;
    this.last = at;
    switch (command.type) {
      case 'CreateSharedTenant':
        this.tenant = command.data.tenantId;
        this.buy(command.data.subscriptionId, at);
        return;
      case 'PurchaseApss':
        this.buy(command.data.subscriptionId, at);
        return;
      case 'CancelSubscription':
      case 'MigrateToWebDirect': {
        const subscription = this.subscriptions.get(command.data.subscriptionId);
        if (subscription === undefined) return;
        subscription.status = command.type === 'CancelSubscription' ? 'cancelled' : 'migrated';
        subscription.endedAt = at;
        return;
      }
      case 'BuyReservedInstance':
        this.reservations.add(command.data.reservationId);
        return;
      case 'DeployMarketplaceOffer':
        this.deployments.add(command.data.deploymentId);
        return;
      case 'ProvisionService':
        this.serviceTenants.set(command.data.serviceId, command.data.tenantId);
        return;
      case 'RecordUsage':
        this.usage.add(command.data.usageId);
        return;
    }
  }
}
