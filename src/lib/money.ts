import { integerFrom, refined } from './codec.js';
import { currencyCodes } from './currencies.js';

const knownCurrencies: ReadonlySet<unknown> = new Set(currencyCodes);

/** An ISO 4217 currency code (`EUR`, `USD`, `JPY`, ...; see currencyCodes). */
export const Currency = refined(
  'Currency',
  (u): u is string => knownCurrencies.has(u),
  'an ISO 4217 currency code such as EUR or USD',
);

/** A finite number >= 0 (quantities and unit prices). */
export const NonNegativeNumber = refined(
  'NonNegativeNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
  'a finite number >= 0',
);

/** A whole number >= 1 that is exactly representable. */
export const PositiveInteger = integerFrom('PositiveInteger', 1);
