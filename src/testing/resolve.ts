import type { Command, CommandOf, CommandType } from '../domain/commands.js';
import type { Role } from '../events/roles.js';
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

/** One handler for each kind of command, typed by its kind: how this module dispatches over commands. */
type CommandHandlers<C, R> = { readonly [K in CommandType]: (command: CommandOf<K>, context: C) => R };

const addNew = (list: string[], id: string): void => {
  if (!list.includes(id)) list.push(id);
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
    (remembering[command.type] as (command: Command, seen: Seen) => void)(command, { known: this, ms });
  }

  /** A subscription bought into a tenant, at this instant unless it was known already. */
  purchased(tenantId: string, subscriptionId: string, ms: number): void {
    addNew(this.tenants, tenantId);
    addNew(this.subscriptions, subscriptionId);
    if (!this.life.has(subscriptionId)) this.life.set(subscriptionId, { purchasedAt: ms, endedAt: null });
  }

  /** A subscription ended at this instant, if it was live. */
  ended(subscriptionId: string, ms: number): void {
    const life = this.life.get(subscriptionId);
    if (life !== undefined && life.endedAt === null) life.endedAt = ms;
  }
}

type Seen = { readonly known: Known; readonly ms: number };

// What each kind of command tells the sequence.
const remembering: CommandHandlers<Seen, void> = {
  CreateSharedTenant: ({ data }, { known, ms }) => {
    known.sharedTenant ??= data.tenantId;
    known.purchased(data.tenantId, data.subscriptionId, ms);
  },
  PurchaseApss: ({ data }, { known, ms }) => known.purchased(data.tenantId, data.subscriptionId, ms),
  CancelSubscription: ({ data }, { known, ms }) => known.ended(data.subscriptionId, ms),
  MigrateToWebDirect: ({ data }, { known, ms }) => known.ended(data.subscriptionId, ms),
  BuyReservedInstance: ({ data }, { known }) => addNew(known.reservations, data.reservationId),
  DeployMarketplaceOffer: ({ data }, { known }) => addNew(known.deployments, data.deploymentId),
  ProvisionService: ({ data }, { known }) => {
    addNew(known.tenants, data.tenantId);
    addNew(known.services, data.serviceId);
  },
  RecordUsage: ({ data }, { known }) => addNew(known.usage, data.usageId),
};

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** An intent being made concrete: its instant, and how it picks among the ids met so far. */
class Resolution {
  constructor(
    readonly intent: Intent,
    readonly known: Known,
    readonly ms: number,
  ) {}

  /** One of the list, by the intent's pick. */
  choose(list: readonly string[]): string | undefined {
    return list[this.intent.pick % Math.max(1, list.length)];
  }

  /** The id a command introduces: one already taken, an unusual one, or the next short one. */
  introduce(prefix: string, taken: readonly string[]): string {
    const { takenId, unusualId } = this.intent;
    return (takenId ? this.choose(taken) : undefined) ?? unusualId ?? this.known.next(prefix);
  }

  /** The tenants met that are not the shared services tenant. */
  otherTenants(): string[] {
    return this.known.tenants.filter((id) => id !== this.known.sharedTenant);
  }

  /** Where cancel, migrate, buy and deploy go: a live subscription, unless the intent strays. */
  liveSubscription(): string {
    const { known } = this;
    if (!this.intent.strayTarget)
      return this.choose(known.active()) ?? this.choose(known.subscriptions) ?? known.next('s');
    return this.intent.pick % 2 === 0
      ? known.next('s')
      : (this.choose(known.subscriptions) ?? known.next('s'));
  }

  /** The name a purchase gives its subscription, if the intent gives one. */
  named(): { subscriptionName?: string } {
    const { subscriptionName } = this.intent;
    return subscriptionName === null ? {} : { subscriptionName };
  }

  /** The day usage is dated: near the purchase, near the end, or before now, as the intent says. */
  usageDay(subscriptionId: string): string {
    const life = this.known.life.get(subscriptionId);
    const { from, shift } = this.intent.usageDay;
    if (from === 'purchase' && life !== undefined) return utcDay(life.purchasedAt + shift * DAY_MS);
    if (from === 'end' && life?.endedAt != null) return utcDay(life.endedAt + shift * DAY_MS);
    return utcDay(this.ms - Math.abs(shift) * DAY_MS);
  }
}

type DataOf<K extends CommandType> = Omit<CommandOf<K>['data'], 'partnerId'>;

// The data of each kind of command, but its partner; fields are drawn in the order they are written.
const dataOf: { readonly [K in CommandType]: (r: Resolution) => DataOf<K> } = {
  CreateSharedTenant: (r) => ({
    tenantId:
      (r.intent.strayTarget ? (r.choose(r.otherTenants()) ?? r.choose(r.known.tenants)) : undefined) ??
      r.known.next('t'),
    subscriptionId: r.introduce('s', r.known.subscriptions),
    ...r.named(),
  }),
  PurchaseApss: (r) => ({
    tenantId:
      (r.intent.strayTarget ? r.choose(r.otherTenants()) : (r.known.sharedTenant ?? undefined)) ??
      r.known.next('t'),
    subscriptionId: r.introduce('s', r.known.subscriptions),
    ...r.named(),
  }),
  CancelSubscription: (r) => ({ subscriptionId: r.liveSubscription() }),
  MigrateToWebDirect: (r) => ({
    subscriptionId: r.liveSubscription(),
    webDirectSubscriptionId: r.known.next('wd'),
  }),
  BuyReservedInstance: (r) => ({
    subscriptionId: r.liveSubscription(),
    reservationId: r.introduce('r', r.known.reservations),
    sku: 'Standard_D2s_v3',
    region: 'westeurope',
    term: r.intent.term,
    scope: r.intent.scope,
    quantity: r.intent.quantity,
  }),
  DeployMarketplaceOffer: (r) => ({
    subscriptionId: r.liveSubscription(),
    deploymentId: r.introduce('d', r.known.deployments),
    offerId: `offer${(r.intent.pick % 3) + 1}`,
    publisherId: 'contoso',
    pricing: r.intent.pricing,
    channel: r.intent.channel,
  }),
  ProvisionService: (r) => ({
    tenantId: provisionedTenant(r),
    serviceId: r.introduce('svc', r.known.services),
    product: r.intent.product,
  }),
  RecordUsage: (r) => {
    const { known, intent } = r;
    const subscriptionId = intent.strayTarget
      ? known.next('s')
      : (r.choose(known.subscriptions) ?? known.next('s'));
    return {
      subscriptionId,
      usageId: r.introduce('u', known.usage),
      usageDate: r.usageDay(subscriptionId),
      meterCategory: 'Virtual Machines',
      meterName: 'D2s v3',
      quantity: intent.quantity * 1.5,
      unitPrice: [0, 0.1, 0.2, 12.5][intent.pick % 4] as number,
      currency: intent.pick % 3 === 0 ? 'USD' : 'EUR',
    };
  },
};

/** A service goes to a customer tenant, new or met, unless the intent strays onto the shared one. */
function provisionedTenant(r: Resolution): string {
  const { intent, known } = r;
  if (intent.strayTarget) return known.sharedTenant ?? known.next('t');
  if (intent.pick % 2 === 0) return known.next('t');
  return r.choose(r.otherTenants()) ?? known.next('t');
}

/** Who issues the command: the intent's role, or one the rules permit for it; billing for System. */
function actorOf(intent: Intent, rules: RuleSet): { id: string; role: Role } {
  const permitted = rules.permittedRoles[firstEvent[intent.type]];
  const role = intent.role ?? permitted[intent.pick % Math.max(1, permitted.length)] ?? 'GlobalAdmin';
  return { id: role === 'System' ? 'billing' : intent.pick % 2 === 0 ? 'alice' : 'bob', role };
}

/** The partner the command is for: the sequence's own, or another once the sequence has started. */
const partnerOf = (intent: Intent, known: Known, partnerId: string): string =>
  intent.otherPartner && known.started ? (partnerId === 'p2' ? 'p1' : 'p2') : partnerId;

/** Makes an intent concrete: the command it stands for, given what is known so far. */
export function resolve(intent: Intent, known: Known, rules: RuleSet, partnerId: string): Command {
  const ms = timeOf(intent.step, known.cursor, instantMs(rules.marketplaceCutoff));
  const metadata = { actor: actorOf(intent, rules), at: writeInstant(ms, intent.offset) };
  const partner = partnerOf(intent, known, partnerId);
  const data = (dataOf[intent.type] as (r: Resolution) => object)(new Resolution(intent, known, ms));
  return { type: intent.type, data: { partnerId: partner, ...data }, metadata } as Command;
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
