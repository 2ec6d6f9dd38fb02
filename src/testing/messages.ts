import fc, { type Arbitrary } from 'fast-check';
import { commandTypes, type Command, type CommandOf, type CommandType } from '../domain/commands.js';
import {
  currentVersion,
  eventTypes,
  type DomainEvent,
  type EventOf,
  type EventType,
} from '../events/codecs.js';
import { DEFAULT_SUBSCRIPTION_NAME } from '../events/data.js';
import { preview } from '../lib/codec.js';
import { messageSettings, type MessageOptions, type MessageSettings } from './options.js';
import {
  channels,
  currency,
  dayNear,
  idOf,
  instantNear,
  nonNegativeNumber,
  offsetMinutes,
  positiveInteger,
  pricings,
  products,
  scopes,
  terms,
  unusualId,
  writeInstant,
} from './values.js';

/** Arbitraries of single commands and events: well-formed by construction, unrelated to any state. */

type Fields = Record<string, Arbitrary<unknown>>;

// Plain objects, as JSON.parse makes them (fast-check would otherwise make some without a prototype).
const record = <R extends Fields>(fields: R) => fc.record(fields, { noNullPrototype: true });

const optional = (required: Fields, optionalFields: Fields) =>
  fc.record(
    { ...required, ...optionalFields },
    { requiredKeys: Object.keys(required), noNullPrototype: true },
  );

/** The field arbitraries of one setting of the options. */
function fieldsOf(settings: MessageSettings) {
  const id = (prefix: string) => idOf(prefix, settings.reuseIds, settings.unusualIds);
  const partnerId = fc.constantFrom(...settings.partnerIds);
  const subscriptionName = fc.oneof(
    fc.constant(DEFAULT_SUBSCRIPTION_NAME),
    fc.constantFrom('Dev/Test', 'Internal tools'),
    unusualId(),
  );
  const tenant = { partnerId, tenantId: id('t') };
  const subscription = { partnerId, subscriptionId: id('s') };
  const purchase = { ...tenant, subscriptionId: id('s') };
  const data = {
    tenant,
    purchase,
    subscription,
    migration: { ...subscription, webDirectSubscriptionId: id('wd') },
    reservation: {
      ...subscription,
      reservationId: id('r'),
      sku: fc.constantFrom('Standard_D2s_v3', 'Standard_E4s_v5'),
      region: fc.constantFrom('westeurope', 'eastus'),
      term: fc.constantFrom(...terms),
      scope: fc.constantFrom(...scopes),
      quantity: positiveInteger(),
    },
    deployment: {
      ...subscription,
      deploymentId: id('d'),
      offerId: id('offer'),
      publisherId: id('pub'),
      pricing: fc.constantFrom(...pricings),
      channel: fc.constantFrom(...channels),
    },
    service: { ...tenant, serviceId: id('svc'), product: fc.constantFrom(...products) },
    usage: {
      ...subscription,
      usageId: id('u'),
      usageDate: dayNear(settings.aroundMs),
      meterCategory: fc.constantFrom('Virtual Machines', 'Storage'),
      meterName: fc.constantFrom('D2s v3', 'LRS Data Stored'),
      quantity: nonNegativeNumber(),
      unitPrice: nonNegativeNumber(),
      currency: currency(),
    },
  } satisfies Record<string, Fields>;
  const actor = record({
    id: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('alice', 'bob') },
      { weight: 1, arbitrary: unusualId() },
    ),
    role: fc.constantFrom(...settings.roles),
  });
  const instant = instantNear(settings.aroundMs);
  const commandAt = settings.offsets
    ? fc.tuple(instant, offsetMinutes()).map(([ms, offset]) => writeInstant(ms, offset))
    : instant.map((ms) => writeInstant(ms));
  return { id, data, subscriptionName, actor, instant, commandAt };
}

type Parts = ReturnType<typeof fieldsOf>;

function commandArbitrary<K extends CommandType>(type: K, parts: Parts): Arbitrary<CommandOf<K>> {
  const { data } = parts;
  const named = (fields: Fields) => optional(fields, { subscriptionName: parts.subscriptionName });
  const dataOf: { readonly [T in CommandType]: Arbitrary<unknown> } = {
    CreateSharedTenant: named(data.purchase),
    PurchaseApss: named(data.purchase),
    CancelSubscription: record(data.subscription),
    MigrateToWebDirect: record(data.migration),
    BuyReservedInstance: record(data.reservation),
    DeployMarketplaceOffer: record(data.deployment),
    ProvisionService: record(data.service),
    RecordUsage: record(data.usage),
  };
  const metadata = optional(
    { actor: parts.actor, at: parts.commandAt },
    { commandId: parts.id('cmd'), correlationId: parts.id('corr') },
  );
  return record({ type: fc.constant(type), data: dataOf[type], metadata }) as Arbitrary<CommandOf<K>>;
}

function eventArbitrary<K extends EventType>(type: K, parts: Parts): Arbitrary<EventOf<K>> {
  const { data } = parts;
  const dataOf: { readonly [T in EventType]: Arbitrary<unknown> } = {
    SharedTenantCreated: record(data.tenant),
    ApssSubscriptionPurchased: record({ ...data.purchase, subscriptionName: parts.subscriptionName }),
    SubscriptionCancelled: record(data.subscription),
    SubscriptionMigratedToWebDirect: record(data.migration),
    ReservedInstancePurchased: record(data.reservation),
    MarketplaceOfferDeployed: record(data.deployment),
    ServiceProvisioned: record(data.service),
    UsageRecorded: record(data.usage),
  };
  const metadata = optional(
    {
      actor: parts.actor,
      at: parts.instant.map((ms) => new Date(ms).toISOString()),
      schemaVersion: fc.constant(currentVersion[type]),
    },
    { eventId: parts.id('evt'), causationId: parts.id('cmd'), correlationId: parts.id('corr') },
  );
  return record({ type: fc.constant(type), data: dataOf[type], metadata }) as Arbitrary<EventOf<K>>;
}

/** Commands of one type, well-formed (decodeCommand accepts each), whether or not the rules would. */
export function commandOf<K extends CommandType>(type: K, options?: MessageOptions): Arbitrary<CommandOf<K>> {
  if (!(commandTypes as readonly unknown[]).includes(type))
    throw new TypeError(`commandOf: type must be one of ${commandTypes.join(', ')} (got ${preview(type)})`);
  return commandArbitrary(type, fieldsOf(messageSettings('commandOf', options)));
}

/** Events of one type as decodeEvent returns them (current schema version, instants in UTC). */
export function eventOf<K extends EventType>(type: K, options?: MessageOptions): Arbitrary<EventOf<K>> {
  if (!(eventTypes as readonly unknown[]).includes(type))
    throw new TypeError(`eventOf: type must be one of ${eventTypes.join(', ')} (got ${preview(type)})`);
  return eventArbitrary(type, fieldsOf(messageSettings('eventOf', options)));
}

/** Any well-formed command, every type as likely; the rules may well reject it. */
export function anyCommand(options?: MessageOptions): Arbitrary<Command> {
  const parts = fieldsOf(messageSettings('anyCommand', options));
  return fc.oneof(...commandTypes.map((type) => commandArbitrary(type, parts) as Arbitrary<Command>));
}

/** Any well-formed event, every type as likely, unrelated to any history. */
export function anyEvent(options?: MessageOptions): Arbitrary<DomainEvent> {
  const parts = fieldsOf(messageSettings('anyEvent', options));
  return fc.oneof(...eventTypes.map((type) => eventArbitrary(type, parts) as Arbitrary<DomainEvent>));
}

/**
 * A record of an old schema version as an old log holds it (no `schemaVersion` or 1, instants with
 * offsets, a store's own fields beside the message), with the event it must read as today.
 */
export function legacyEvent(
  options?: MessageOptions,
): Arbitrary<{ readonly record: Record<string, unknown>; readonly upcast: DomainEvent }> {
  const parts = fieldsOf(messageSettings('legacyEvent', options));
  const envelope = fc.record(
    {
      version: fc.constantFrom(1, undefined),
      actor: parts.actor,
      at: fc.tuple(parts.instant, offsetMinutes()),
      storeFields: fc.option(record({ streamPosition: fc.nat(), globalPosition: fc.nat() }), {
        nil: undefined,
      }),
    },
    { noNullPrototype: true },
  );
  const build = (
    type: 'ApssSubscriptionPurchased' | 'MarketplaceOfferDeployed',
    oldData: Record<string, unknown>,
    newData: Record<string, unknown>,
    e: { version: 1 | undefined; actor: unknown; at: [number, number]; storeFields: object | undefined },
  ) => ({
    record: {
      ...e.storeFields,
      type,
      data: oldData,
      metadata: {
        actor: e.actor,
        at: writeInstant(e.at[0], e.at[1]),
        ...(e.version === undefined ? {} : { schemaVersion: e.version }),
      },
    },
    upcast: {
      type,
      data: newData,
      metadata: { actor: e.actor, at: new Date(e.at[0]).toISOString(), schemaVersion: currentVersion[type] },
    } as DomainEvent,
  });
  return fc.oneof(
    fc
      .tuple(record(parts.data.purchase), envelope)
      .map(([data, e]) =>
        build('ApssSubscriptionPurchased', data, { ...data, subscriptionName: DEFAULT_SUBSCRIPTION_NAME }, e),
      ),
    fc
      .tuple(record(parts.data.deployment), envelope)
      .map(([{ channel: _, ...data }, e]) =>
        build('MarketplaceOfferDeployed', data, { ...data, channel: 'marketplace' }, e),
      ),
  );
}
