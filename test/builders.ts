import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { assert, expect } from 'vitest';
import {
  currentVersion,
  decide,
  defaultRules,
  fold,
  initialState,
  type Command,
  type CommandOf,
  type CommandType,
  type DomainEvent,
  type EventData,
  type EventOf,
  type EventType,
  type RejectionCode,
  type RoleName,
  type RuleSet,
} from 'apss-domain';

// The one set of builders of the messages tests write: commands, events as decodeEvent yields them, and
// raw records as a log holds them. Every message is built by `message`; each kind has its own clock, so
// that a test building only one kind reads its instants in one year.

// ---------------------------------------------------------------------------------------------------
// Time, people and everyday details

/** A test's clock: each call a fresh instant a minute after the previous one, starting at `start`. */
export function minutesFrom(start: string): () => string {
  let clock = Date.parse(start);
  return () => new Date((clock += 60_000)).toISOString();
}

/** An instant `n` minutes after 2020-01-01T00:00Z, in the UTC form the codecs decode to. */
export const minute = (n: number): string => new Date(Date.UTC(2020, 0, 1, 0, n)).toISOString();

/** Who sends a message of this type when a test does not say: billing records usage, an admin agent the rest. */
export const usualRole = (type: string): RoleName =>
  type === 'UsageRecorded' || type === 'RecordUsage' ? 'System' : 'AdminAgent';

/** The actor of a test's message: the role's first one unless told. */
export const actorOf = (role: RoleName, id = `${role.toLowerCase()}-1`) => ({ id, role });

type Deployment = EventData<'MarketplaceOfferDeployed'>;
export type Pricing = Deployment['pricing'];
export type Channel = Deployment['channel'];

/** What a test's usage meters when it does not say: a day of a small VM, 24 hours at 0.096 EUR. */
export const vmDay = {
  meterCategory: 'Virtual Machines',
  meterName: 'D2s v3',
  quantity: 24,
  unitPrice: 0.096,
  currency: 'EUR',
} as const;

/** A test's reserved instance, but for how many. */
export const reservationTerms = {
  sku: 'Standard_D2s_v3',
  region: 'westeurope',
  term: 'P1Y',
  scope: 'single',
} as const;

/** A test's Marketplace offer. */
export const fortigate = { offerId: 'fortigate', publisherId: 'fortinet' } as const;

const sharedServices = 'Azure - Internal/Shared Services';

/** How a test places a message: partner p1, the usual actor, a fresh instant, the current schema, unless told. */
export type Who = {
  partnerId?: string;
  at?: string;
  role?: RoleName;
  actor?: string;
  schemaVersion?: number;
};

/** The shape every message shares: its type, its data for a partner, who sent it and when. */
function message(type: string, data: object, who: Who, at: string) {
  return {
    type,
    data: { partnerId: who.partnerId ?? 'p1', ...data },
    metadata: { actor: actorOf(who.role ?? usualRole(type), who.actor), at },
  };
}

// ---------------------------------------------------------------------------------------------------
// Commands

/** A command's data as a test writes it: the partner is p1 unless told. */
type CommandData<K extends CommandType> = Omit<CommandOf<K>['data'], 'partnerId'> & { partnerId?: string };

const nextCommandAt = minutesFrom('2022-01-01T09:00:00Z');

export function command<K extends CommandType>(type: K, data: CommandData<K>, who: Who = {}): CommandOf<K> {
  return message(type, data, who, who.at ?? nextCommandAt()) as unknown as CommandOf<K>;
}

export const createTenant = (tenantId = 't1', subscriptionId = 's1', who?: Who) =>
  command('CreateSharedTenant', { tenantId, subscriptionId }, who);
export const purchase = (subscriptionId: string, tenantId = 't1', who?: Who) =>
  command('PurchaseApss', { tenantId, subscriptionId }, who);
export const cancel = (subscriptionId: string, who?: Who) =>
  command('CancelSubscription', { subscriptionId }, who);
export const migrate = (subscriptionId: string, who?: Who) =>
  command('MigrateToWebDirect', { subscriptionId, webDirectSubscriptionId: `wd-${subscriptionId}` }, who);
export const buyRi = (subscriptionId: string, reservationId = 'ri1', who?: Who) =>
  command('BuyReservedInstance', { subscriptionId, reservationId, ...reservationTerms, quantity: 2 }, who);
export const deploy = (
  subscriptionId: string,
  pricing: Pricing,
  channel: Channel,
  who?: Who,
  deploymentId = 'd1',
) => command('DeployMarketplaceOffer', { subscriptionId, deploymentId, ...fortigate, pricing, channel }, who);
export const provision = (
  tenantId: string,
  product: 'Office365' | 'Dynamics365' | 'Azure' | 'Other' = 'Office365',
  serviceId = 'svc1',
  who?: Who,
) => command('ProvisionService', { tenantId, serviceId, product }, who);
export const usage = (subscriptionId: string, usageDate: string, usageId = 'u1', who?: Who) =>
  command('RecordUsage', { subscriptionId, usageId, usageDate, ...vmDay }, who);

/** The events of a history that the rules accept, command by command (a given must be admissible). */
export function history(commands: readonly Command[], rules: RuleSet = defaultRules): readonly DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const c of commands) {
    const decision = decide(c, fold(events, initialState), rules);
    if (E.isLeft(decision))
      throw new Error(`the given history is refused at ${c.type}: ${decision.left.message}`);
    events.push(...decision.right);
  }
  return events;
}

/** Given this history, when this command: then these events, or this rejection. */
export function given(commands: readonly Command[], rules: RuleSet = defaultRules) {
  const state = fold(history(commands, rules));
  return {
    when: (c: Command) => {
      const decision = decide(c, state, rules);
      return {
        thenAccepted: (): readonly DomainEvent[] => {
          if (E.isLeft(decision))
            assert.fail(
              `expected ${c.type} to be accepted, got ${decision.left.code}: ${decision.left.message}`,
            );
          return decision.right;
        },
        thenRejected: (code: RejectionCode): string => {
          if (E.isRight(decision))
            assert.fail(`expected ${c.type} to be rejected with ${code}, but it was accepted`);
          expect(decision.left.code).toBe(code);
          return decision.left.message;
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Events, as decodeEvent yields them

/** An event's data as a test writes it: the partner is p1 unless told. */
export type EventFields<K extends EventType> = Omit<EventData<K>, 'partnerId'> & { partnerId?: string };

const nextEventAt = minutesFrom('2024-01-01T09:00:00Z');

/** An event as decodeEvent yields it: the current schema version, its instant in UTC. */
export function event<K extends EventType>(type: K, data: EventFields<K>, who: Who = {}): EventOf<K> {
  const at = new Date(Date.parse(who.at ?? nextEventAt())).toISOString();
  const { metadata, ...rest } = message(type, data, who, at);
  return { ...rest, metadata: { ...metadata, schemaVersion: currentVersion[type] } } as unknown as EventOf<K>;
}

export const tenantCreated = (tenantId: string, who: Who = {}) =>
  event('SharedTenantCreated', { tenantId }, who);
export const purchased = (subscriptionId: string, tenantId: string, who: Who = {}) =>
  event('ApssSubscriptionPurchased', { tenantId, subscriptionId, subscriptionName: sharedServices }, who);
export const cancelled = (subscriptionId: string, who: Who = {}) =>
  event('SubscriptionCancelled', { subscriptionId }, who);
export const migrated = (subscriptionId: string, who: Who = {}) =>
  event(
    'SubscriptionMigratedToWebDirect',
    { subscriptionId, webDirectSubscriptionId: `wd-${subscriptionId}` },
    who,
  );
export const reserved = (subscriptionId: string, reservationId: string, who: Who = {}) =>
  event(
    'ReservedInstancePurchased',
    {
      subscriptionId,
      reservationId,
      sku: 'D2s_v5',
      region: 'westeurope',
      term: 'P1Y',
      scope: 'single',
      quantity: 2,
    },
    who,
  );
/** A deployment of a BYOL offer direct from its publisher, unless told otherwise. */
export const deployed = (
  subscriptionId: string,
  deploymentId: string,
  who: Who = {},
  { pricing = 'byol', channel = 'isv-direct' }: { pricing?: Pricing; channel?: Channel } = {},
) =>
  event(
    'MarketplaceOfferDeployed',
    { subscriptionId, deploymentId, offerId: 'o1', publisherId: 'pub1', pricing, channel },
    who,
  );
export const provisioned = (tenantId: string, serviceId: string, who: Who = {}) =>
  event('ServiceProvisioned', { tenantId, serviceId, product: 'Office365' }, who);

export type Usage = Partial<Omit<EventData<'UsageRecorded'>, 'partnerId'>> & Who;

let usageCount = 0;
/** A usage record: subscription s1, a fresh usage id, 1 x 1 EUR of storage on 2024-01-15, unless told otherwise. */
export const usageRecorded = ({ partnerId, at, role, actor, schemaVersion, ...data }: Usage = {}) =>
  event(
    'UsageRecorded',
    {
      subscriptionId: 's1',
      usageId: `u${(usageCount += 1)}`,
      usageDate: '2024-01-15',
      meterCategory: 'Storage',
      meterName: 'LRS Data Stored',
      quantity: 1,
      unitPrice: 1,
      currency: 'EUR',
      ...data,
    },
    { partnerId, at, role, actor, schemaVersion },
  );

/** `count` distinct usage events of one partner on sub-1 (any content will do where only the count matters). */
export const usageEvents = (partnerId: string, count: number, prefix = 'u'): DomainEvent[] =>
  Array.from({ length: count }, (_, i) =>
    usageRecorded({
      partnerId,
      subscriptionId: 'sub-1',
      usageId: `${prefix}-${i + 1}`,
      at: minute(2),
      usageDate: '2020-01-01',
    }),
  );

/** A partner with its shared tenant t-<partner> and an active subscription s1. */
export const onboarded = (partnerId = 'p1'): DomainEvent[] => [
  tenantCreated(`t-${partnerId}`, { partnerId }),
  purchased('s1', `t-${partnerId}`, { partnerId }),
];

const partners = ['p1', 'p2', 'p3'] as const;
const subscriptions = ['s1', 's2', 's3'] as const;

/** Amounts as billing writes them: integers, decimals of a few places, tiny and huge values. */
export const amount = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 10_000),
  fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0.1, 0.2, 0.3, 1e-7, 5e-324, 1e21, 9007199254740991),
);

type LogStep = {
  partnerId: string;
  subscriptionId: string;
  kind: 'tenant' | 'purchase' | 'cancel' | 'migrate' | 'reserve' | 'deploy' | 'usage';
  id: number;
  day: number;
  quantity: number;
  unitPrice: number;
  currency: string;
  minutes: number;
};

/** The event of each kind of step of anyLog, for its partner at its instant. */
const logEvent: { readonly [K in LogStep['kind']]: (step: LogStep, who: Who) => DomainEvent } = {
  tenant: ({ partnerId, id }, who) => tenantCreated(`t-${partnerId}-${id}`, who),
  purchase: ({ partnerId, subscriptionId, id }, who) =>
    purchased(subscriptionId, `t-${partnerId}-${id}`, who),
  cancel: ({ subscriptionId }, who) => cancelled(subscriptionId, who),
  migrate: ({ subscriptionId }, who) => migrated(subscriptionId, who),
  reserve: ({ subscriptionId, id }, who) => reserved(subscriptionId, `r${id}`, who),
  deploy: ({ subscriptionId, id }, who) => deployed(subscriptionId, `d${id}`, who),
  usage: ({ subscriptionId, id, day, quantity, unitPrice, currency }, who) =>
    usageRecorded({
      ...who,
      subscriptionId,
      usageId: `u${id}`,
      usageDate: new Date(Date.parse('2024-01-01T00:00:00Z') + (day - 30) * 86_400_000)
        .toISOString()
        .slice(0, 10),
      quantity,
      unitPrice,
      currency,
    }),
};

/**
 * An interleaved log of several partners, well-formed but not always admissible (as an audited log
 * may be): tenants, purchases, cancellations, migrations, reservations, deployments, repeated usage
 * ids and several currencies, at non-decreasing instants.
 */
export const anyLog = (maxLength = 40): fc.Arbitrary<DomainEvent[]> =>
  fc
    .array(
      fc.record({
        partnerId: fc.constantFrom(...partners),
        subscriptionId: fc.constantFrom(...subscriptions),
        kind: fc.constantFrom(
          'tenant',
          'purchase',
          'cancel',
          'migrate',
          'reserve',
          'deploy',
          'usage',
          'usage',
          'usage',
        ),
        id: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 0, max: 90 }),
        quantity: amount,
        unitPrice: amount,
        currency: fc.constantFrom('EUR', 'USD', 'JPY'),
        minutes: fc.integer({ min: 0, max: 60 * 24 * 3 }),
      }),
      { maxLength },
    )
    .map((steps) => {
      let time = Date.parse('2023-12-30T00:00:00Z');
      return steps.map((step) => {
        time += step.minutes * 60_000;
        return logEvent[step.kind](step, { partnerId: step.partnerId, at: new Date(time).toISOString() });
      });
    });

// ---------------------------------------------------------------------------------------------------
// Raw records, as a log holds them: plain JSON objects, at the instant as written

const nextRecordAt = minutesFrom('2020-01-01T09:00:00Z');

export function record(
  type: EventType,
  data: Record<string, unknown>,
  who: Who = {},
): Record<string, unknown> {
  const { metadata, ...rest } = message(type, data, who, who.at ?? nextRecordAt());
  return { ...rest, metadata: { ...metadata, schemaVersion: who.schemaVersion ?? currentVersion[type] } };
}

/** What CreateSharedTenant records: the tenant, then its first subscription. */
export const tenantOf = (
  partnerId: string,
  tenantId = `${partnerId}-t`,
  subscriptionId = `${partnerId}-s1`,
  who: Who = {},
) => {
  const at = who.at ?? nextRecordAt();
  return [
    record('SharedTenantCreated', { partnerId, tenantId }, { ...who, at }),
    record(
      'ApssSubscriptionPurchased',
      { partnerId, tenantId, subscriptionId, subscriptionName: sharedServices },
      { ...who, at },
    ),
  ];
};

/** Usage dated the day of a fresh instant unless told, recorded at the instant after it. */
export const usageOf = (
  partnerId: string,
  subscriptionId: string,
  usageId: string,
  usageDate = nextRecordAt().slice(0, 10),
  who: Who = {},
) => record('UsageRecorded', { partnerId, subscriptionId, usageId, usageDate, ...vmDay }, who);

export const deploymentOf = (
  partnerId: string,
  subscriptionId: string,
  deploymentId: string,
  pricing: Pricing,
  channel: Channel,
  who: Who = {},
) =>
  record(
    'MarketplaceOfferDeployed',
    { partnerId, subscriptionId, deploymentId, ...fortigate, pricing, channel },
    who,
  );

export const serviceOf = (partnerId: string, tenantId: string, serviceId: string, who: Who = {}) =>
  record('ServiceProvisioned', { partnerId, tenantId, serviceId, product: 'Office365' }, who);

/** A partner's shared tenant, then Office 365 provisioned on it: a SHARED_TENANT_EXCLUSIVE finding at line 3. */
export const officeOnSharedTenant = (partnerId: string, tenantId: string, subscriptionId: string) => [
  ...tenantOf(partnerId, tenantId, subscriptionId, { at: '2020-01-01T00:00:00Z' }),
  record(
    'ServiceProvisioned',
    { partnerId, tenantId, serviceId: 'o365', product: 'Office365' },
    { at: '2020-02-01T00:00:00Z' },
  ),
];

// ---------------------------------------------------------------------------------------------------
// Streams

/** A stream id no other test uses. */
let streams = 0;
export const freshStream = (label = 'stream'): string =>
  `${label}-${process.pid}-${Date.now().toString(36)}-${++streams}`;

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** An async iterable that hands out records one at a time and remembers how many it was asked for. */
export function pulled(
  records: readonly unknown[],
): AsyncIterable<unknown> & { readonly handedOut: () => number } {
  let handedOut = 0;
  return {
    handedOut: () => handedOut,
    async *[Symbol.asyncIterator]() {
      for (const r of records) {
        handedOut += 1;
        await Promise.resolve();
        yield r;
      }
    },
  };
}
