import * as t from 'io-ts';
import { integerFrom, preview, REFUSED, refined, withQuickDecoder } from './codec.js';
import { currencyCodes } from './currencies.js';

const knownCurrencies: ReadonlySet<unknown> = new Set(currencyCodes);

/** An ISO 4217 currency code (`EUR`, `USD`, `JPY`, ...; see currencyCodes). */
export const Currency = refined(
  'Currency',
  (u): u is string => knownCurrencies.has(u),
  'an ISO 4217 currency code such as EUR or USD',
);

const isNonNegative = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0;

/**
 * A finite number >= 0 (quantities and unit prices). `-0` (which JSON.parse gives for `-0`) decodes
 * to 0: JSON writes both as 0, so a value kept as -0 would read back as another value.
 */
export const NonNegativeNumber = withQuickDecoder(
  new t.Type<number, number, unknown>(
    'NonNegativeNumber',
    isNonNegative,
    (u, c) =>
      isNonNegative(u)
        ? t.success(u + 0)
        : t.failure(u, c, `must be a finite number >= 0 (got ${preview(u)})`),
    t.identity,
  ),
  (u) => (isNonNegative(u) ? u + 0 : REFUSED),
);

/** A whole number >= 1 that is exactly representable. */
export const PositiveInteger = integerFrom('PositiveInteger', 1);
