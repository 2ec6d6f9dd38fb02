import { integerFrom, refined } from './codec.js';

const knownCurrencies: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** An ISO 4217 currency code that the runtime's ICU data knows (`EUR`, `USD`, `JPY`, ...). */
export const Currency = refined(
  'Currency',
  (u): u is string => typeof u === 'string' && /^[A-Z]{3}$/.test(u) && knownCurrencies.has(u),
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
