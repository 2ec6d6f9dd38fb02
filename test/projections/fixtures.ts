import fc from 'fast-check';
import type { DomainEvent, EventData, EventType } from 'apss-domain';
import { decodedEvent, minutesFrom, type EventFields } from '../fixtures.js';

const next = minutesFrom('2024-01-01T09:00:00Z');

/** An event as decodeEvent yields it, at a fresh instant unless told. */
const event = <K extends EventType>(type: K, data: EventFields<K>, at = next()) =>
  decodedEvent(type, data, at);

type Who = { partnerId?: string; at?: string };

export const tenant = (tenantId: string, who: Who = {}) =>
  event('SharedTenantCreated', { tenantId, ...pid(who) }, who.at);
export const purchase = (subscriptionId: string, tenantId: string, who: Who = {}) =>
  event(
    'ApssSubscriptionPurchased',
    { tenantId, subscriptionId, subscriptionName: 'Azure - Internal/Shared Services', ...pid(who) },
    who.at,
  );
export const cancel = (subscriptionId: string, who: Who = {}) =>
  event('SubscriptionCancelled', { subscriptionId, ...pid(who) }, who.at);
export const migrate = (subscriptionId: string, who: Who = {}) =>
  event(
    'SubscriptionMigratedToWebDirect',
    { subscriptionId, webDirectSubscriptionId: `wd-${subscriptionId}`, ...pid(who) },
    who.at,
  );
export const reserve = (subscriptionId: string, reservationId: string, who: Who = {}) =>
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
      ...pid(who),
    },
    who.at,
  );
export const deploy = (subscriptionId: string, deploymentId: string, who: Who = {}) =>
  event(
    'MarketplaceOfferDeployed',
    {
      subscriptionId,
      deploymentId,
      offerId: 'o1',
      publisherId: 'pub1',
      pricing: 'byol',
      channel: 'isv-direct',
      ...pid(who),
    },
    who.at,
  );
export const provision = (tenantId: string, serviceId: string, who: Who = {}) =>
  event('ServiceProvisioned', { tenantId, serviceId, product: 'Office365', ...pid(who) }, who.at);

export type Usage = Partial<Omit<EventData<'UsageRecorded'>, 'partnerId'>> & Who;

let usageCount = 0;
/** A usage record: subscription s1, a fresh usage id, 1 x 1 EUR of storage on 2024-01-15, unless told otherwise. */
export const usage = ({ partnerId, at, ...data }: Usage = {}) =>
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
      ...pid({ partnerId }),
    },
    at,
  );

const pid = ({ partnerId }: Who): { partnerId?: string } => (partnerId === undefined ? {} : { partnerId });

/** A partner with its shared tenant t-<partner> and an active subscription s1. */
export const onboarded = (partnerId = 'p1'): DomainEvent[] => [
  tenant(`t-${partnerId}`, { partnerId }),
  purchase('s1', `t-${partnerId}`, { partnerId }),
];

/**
 * The exact decimal a number was written as, as a scaled BigInt: an oracle independent of decimal.js.
 * `1.25e-3` is { units: 125n, scale: 5 }.
 */
export function scaled(n: number): { units: bigint; scale: number } {
  const [mantissa = '0', exponent = '0'] = String(n).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const shift = Number(exponent) - fraction.length;
  const digits = BigInt(whole + fraction);
  return shift >= 0 ? { units: digits * 10n ** BigInt(shift), scale: 0 } : { units: digits, scale: -shift };
}

/** A scaled BigInt in the plain notation the views write (`0.00125`, `3`, never `3.0`). */
export function plain({ units, scale }: { units: bigint; scale: number }): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return text;
}

export const times = (a: number, b: number) => {
  const x = scaled(a);
  const y = scaled(b);
  return { units: x.units * y.units, scale: x.scale + y.scale };
};

export const add = (a: { units: bigint; scale: number }, b: { units: bigint; scale: number }) => {
  const scale = Math.max(a.scale, b.scale);
  return {
    units: a.units * 10n ** BigInt(scale - a.scale) + b.units * 10n ** BigInt(scale - b.scale),
    scale,
  };
};

const partners = ['p1', 'p2', 'p3'] as const;
const subscriptions = ['s1', 's2', 's3'] as const;

/** Amounts as billing writes them: integers, decimals of a few places, tiny and huge values. */
export const amount = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 10_000),
  fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0.1, 0.2, 0.3, 1e-7, 5e-324, 1e21, 9007199254740991),
);

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
      return steps.map(
        ({ partnerId, subscriptionId, kind, id, day, quantity, unitPrice, currency, minutes }) => {
          time += minutes * 60_000;
          const who = { partnerId, at: new Date(time).toISOString() };
          const usageDate = new Date(Date.parse('2024-01-01T00:00:00Z') + (day - 30) * 86_400_000)
            .toISOString()
            .slice(0, 10);
          switch (kind) {
            case 'tenant':
              return tenant(`t-${partnerId}-${id}`, who);
            case 'purchase':
              return purchase(subscriptionId, `t-${partnerId}-${id}`, who);
            case 'cancel':
              return cancel(subscriptionId, who);
            case 'migrate':
              return migrate(subscriptionId, who);
            case 'reserve':
              return reserve(subscriptionId, `r${id}`, who);
            case 'deploy':
              return deploy(subscriptionId, `d${id}`, who);
            default:
              return usage({
                ...who,
                subscriptionId,
                usageId: `u${id}`,
                usageDate,
                quantity,
                unitPrice,
                currency,
              });
          }
        },
      );
    });
