import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { integerFrom, isArray, oneOf, preview, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Currency } from '../lib/money.js';
import { reservationFields, SubscriptionStatus, usageFields } from '../events/data.js';
import { UtcInstant } from '../lib/time.js';

/** The shapes of the views' entries, as the views build them and as a view read back from JSON has them. */

export const AZURE_LINE_ITEM = 'Microsoft Azure';

const PLAIN_DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const MONTH = /^\d{4}-(?:0[1-9]|1[0-2])$/;

/** An amount as the views write it: exact, >= 0, in plain notation (never `1e-7`). */
export const ExactDecimal = refined(
  'ExactDecimal',
  (u): u is string => typeof u === 'string' && PLAIN_DECIMAL.test(u),
  'an exact decimal >= 0 in plain notation, like "142.848"',
);

/** A UTC month `YYYY-MM`. */
export const Month = refined(
  'Month',
  (u): u is string => typeof u === 'string' && MONTH.test(u),
  'a month YYYY-MM',
);

/** How many of something: a whole number >= 0. */
export const Count = integerFrom('Count', 0);

/** The partner's shared tenant, or '' in a log that records usage before the partner had one. */
const CustomerId = refined(
  'CustomerId',
  (u): u is string => u === '' || Id.is(u),
  'a tenant id, or "" for usage recorded before the partner had a shared tenant',
);

const SharedTenantId = refined(
  'SharedTenantId',
  (u): u is string | null => u === null || Id.is(u),
  'a tenant id, or null while the partner has no shared tenant',
);

/**
 * Decodes a list item by item, handing each decoded item to `take` as soon as it passes, and stops at
 * the first bad item: a list of a million bad items costs one item's errors, and a caller can use
 * each item without keeping a decoded copy of the list. Item paths read `[2]` (see `fieldPath`).
 */
export function decodeEach<A>(
  item: t.Decoder<unknown, A>,
  noun: string,
  u: unknown,
  c: t.Context,
  take: (item: A) => void,
): t.Validation<true> {
  if (!isArray(u)) return t.failure(u, c, `must be an array of ${noun} (got ${preview(u)})`);
  for (let i = 0; i < u.length; i++) {
    // Validated in the list's context, and again in its own only to name it in the errors: a context
    // per item would cost an allocation for each of a million good ones.
    const result = item.validate(u[i], c);
    if (E.isLeft(result)) {
      const named = item.validate(u[i], t.appendContext(c, `[${i}]`, t.unknown, u[i]));
      return E.isLeft(named) ? named : result;
    }
    take(result.right);
  }
  return t.success(true);
}

/** The context of a value decoded on its own, as `decode` starts it. */
export const rootContext = (u: unknown): t.Context => [{ key: '', type: t.unknown, actual: u }];

/** A list whose items are all of one codec; it stops at the first bad one (see `decodeEach`). */
export function listOf<C extends t.Mixed>(
  name: string,
  item: C,
  noun: string,
): t.Type<readonly t.TypeOf<C>[], readonly t.TypeOf<C>[], unknown> {
  type A = readonly t.TypeOf<C>[];
  const validate: t.Validate<unknown, A> = (u, c) => {
    const items: t.TypeOf<C>[] = [];
    return E.map(() => items)(decodeEach(item, noun, u, c, (decoded) => items.push(decoded)));
  };
  const is = (u: unknown): u is A => E.isRight(validate(u, rootContext(u)));
  return new t.Type<A, A, unknown>(name, is, validate, t.identity);
}

/** A path as `problemsOf` joins it (`[0].subscriptions.[1].status`), with indexes written as such. */
export const fieldPath = (path: string): string => path.replaceAll('.[', '[');

/** One line of the reconciliation file: a usage record, its customer and its exact total. */
export const ReconciliationLineCodec = struct('ReconciliationLine', {
  ...usageFields,
  customerId: CustomerId,
  /** quantity x unit price, not rounded to minor units. */
  total: ExactDecimal,
});
export type ReconciliationLine = t.TypeOf<typeof ReconciliationLineCodec>;

/** A reserved instance bought against an APSS subscription: what was bought, with its term and scope, and when. */
export const ReservationLineCodec = struct('ReservationLine', {
  ...reservationFields,
  /** The instant of the purchase, in UTC. */
  purchasedAt: UtcInstant,
});
export type ReservationLine = t.TypeOf<typeof ReservationLineCodec>;

/** A partner's APSS consumption for one month (UTC, `YYYY-MM` of the usage date) in one currency. */
export const InvoiceLineCodec = struct('InvoiceLine', {
  partnerId: Id,
  month: Month,
  lineItem: oneOf('LineItem', [AZURE_LINE_ITEM]),
  currency: Currency,
  /** The exact sum of the month's line totals in that currency. */
  total: ExactDecimal,
});
export type InvoiceLine = t.TypeOf<typeof InvoiceLineCodec>;

export const SubscriptionOverviewCodec = struct('SubscriptionOverview', {
  subscriptionId: Id,
  status: SubscriptionStatus,
  /** Reserved instances bought against it (purchases, whatever their quantity). */
  reservations: Count,
  /** Marketplace or ISV-direct deployments into it. */
  deployments: Count,
});
export type SubscriptionOverview = t.TypeOf<typeof SubscriptionOverviewCodec>;

export const PartnerOverviewCodec = struct('PartnerOverview', {
  partnerId: Id,
  sharedTenantId: SharedTenantId,
  /** In the order they were bought. */
  subscriptions: listOf('Subscriptions', SubscriptionOverviewCodec, 'subscription overviews'),
});
export type PartnerOverview = t.TypeOf<typeof PartnerOverviewCodec>;

type OverviewView = ReadonlyMap<string, PartnerOverview>;

const validateOverview: t.Validate<unknown, OverviewView> = (u, c) => {
  if (!(u instanceof Map))
    return t.failure(u, c, `must be a Map of partner id to partner overview (got ${preview(u)})`);
  const partners = new Map<string, PartnerOverview>();
  for (const [key, value] of u as Map<unknown, unknown>) {
    const at = t.appendContext(c, `[${preview(key)}]`, PartnerOverviewCodec, value);
    const partner = PartnerOverviewCodec.validate(value, at);
    if (E.isLeft(partner)) return partner;
    if (partner.right.partnerId !== key)
      return t.failure(
        partner.right.partnerId,
        t.appendContext(at, 'partnerId', Id, partner.right.partnerId),
        `must be the partner id it is filed under, ${preview(key)} (got ${preview(partner.right.partnerId)})`,
      );
    partners.set(partner.right.partnerId, partner.right);
  }
  return t.success(partners);
};

/** The overview: each partner's overview filed under its partner id, in the order they first appear. */
export const OverviewViewCodec = new t.Type<OverviewView, OverviewView, unknown>(
  'OverviewView',
  (u): u is OverviewView => E.isRight(validateOverview(u, rootContext(u))),
  validateOverview,
  t.identity,
);
