import fc, { type Arbitrary } from 'fast-check';
import { currencyCodes } from '../lib/currencies.js';
import { Id, MAX_ID_LENGTH } from '../lib/ids.js';
import { Channel, Pricing, Product, Scope, Term } from '../events/data.js';

/** The field values messages are made of, with their edge cases weighted in. */

// Shrinking may move from one alternative to the first, the plainest.
export const crossShrink = { withCrossShrink: true };

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export { roles } from '../events/roles.js';
export const pricings = Pricing.values;
export const channels = Channel.values;
export const products = Product.values;
export const terms = Term.values;
export const scopes = Scope.values;

/** Valid ids that code handling ids has been known to trip over. */
export const unusualIds: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  '0',
  '-1',
  ' ',
  ' padded ',
  '"quoted"',
  "O'Brien; DROP TABLE events; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%s%n',
  '\\',
  'Ωmega ≠ omega',
  '租户-一',
  '🙂🏳️‍🌈',
  'e\u0301', // a combining accent
  '\u202egnp.exe', // a right-to-left override
  'zero\u200bwidth',
  '\uffff',
  'x'.repeat(MAX_ID_LENGTH),
];

/** Any valid id: the unusual ones above, or any string the Id codec accepts. */
export const unusualId = (): Arbitrary<string> =>
  fc.oneof(
    crossShrink,
    fc.constantFrom(...unusualIds),
    fc.string({ unit: 'binary', minLength: 1, maxLength: MAX_ID_LENGTH }).filter(Id.is),
  );

/**
 * An id of one kind: mostly one of `pool` short names (`s1`, `s2`, ...) so that ids repeat, now and
 * then an unusual one (`oddness` of the time, 0..1).
 */
export function idOf(prefix: string, pool: number, oddness: number): Arbitrary<string> {
  const short = fc.integer({ min: 1, max: Math.max(1, pool) }).map((n) => `${prefix}${n}`);
  if (pool <= 0) return unusualId();
  const odd = Math.round(oddness * 100);
  if (odd <= 0) return short;
  if (odd >= 100) return unusualId();
  return fc.oneof(
    crossShrink,
    { weight: 100 - odd, arbitrary: short },
    { weight: odd, arbitrary: unusualId() },
  );
}

/** An offset in minutes east of UTC, as instants are written with it: real ones, the extremes among them. */
export const offsetMinutes = (): Arbitrary<number> =>
  fc.oneof(
    crossShrink,
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.constantFrom(-12 * 60, -210, -120, 60, 330, 345, 14 * 60) },
  );

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * Writes an instant (milliseconds since the epoch) as ISO-8601 in a given offset, in its shortest
 * exact form: `2019-03-01T00:00Z`, `2019-02-28T22:00-02:00`, `2019-02-28T23:59:59.999Z`.
 */
export function writeInstant(ms: number, offset = 0): string {
  const local = new Date(ms + offset * MINUTE_MS).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const minutes = local.slice(0, 16);
  const seconds = local.slice(16, 19);
  const millis = local.slice(19, 23);
  const time =
    millis !== '.000' ? `${minutes}${seconds}${millis}` : seconds !== ':00' ? minutes + seconds : minutes;
  if (offset === 0) return `${time}Z`;
  const sign = offset < 0 ? '-' : '+';
  const size = Math.abs(offset);
  return `${time}${sign}${two(Math.floor(size / 60))}:${two(size % 60)}`;
}

/** Milliseconds since the epoch of the instants generated: years 1000..8999, so that any offset keeps four digits. */
export const EARLIEST = Date.UTC(1000, 0, 1);
export const LATEST = Date.UTC(8999, 11, 31, 23, 59, 59, 999);

/**
 * An instant in milliseconds near `around`: often exactly on it or a millisecond either side, mostly
 * within days of it, sometimes within a year, now and then anywhere in years 1000..8999.
 */
export function instantNear(around: number): Arbitrary<number> {
  return fc.oneof(
    crossShrink,
    { weight: 3, arbitrary: fc.constantFrom(-1, 0, 1).map((d) => around + d) },
    {
      weight: 4,
      arbitrary: fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }).map((m) => around + m * MINUTE_MS),
    },
    {
      weight: 2,
      arbitrary: fc.integer({ min: -400 * 24, max: 400 * 24 }).map((h) => around + h * HOUR_MS),
    },
    { weight: 1, arbitrary: fc.integer({ min: EARLIEST, max: LATEST }) },
  );
}

/** A UTC day `YYYY-MM-DD` near the day of `around`, with month ends and leap days among them. */
export function dayNear(around: number): Arbitrary<string> {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return fc.oneof(
    crossShrink,
    { weight: 4, arbitrary: fc.integer({ min: -60, max: 60 }).map((d) => day(around + d * DAY_MS)) },
    { weight: 1, arbitrary: fc.constantFrom('2019-02-28', '2019-03-01', '2020-02-29', '2020-12-31') },
    { weight: 1, arbitrary: fc.integer({ min: EARLIEST, max: LATEST }).map(day) },
  );
}

/** A non-negative finite number: zero, decimals that binary floating point cannot hold exactly, any. */
export const nonNegativeNumber = (): Arbitrary<number> =>
  fc.oneof(
    crossShrink,
    fc.constantFrom(0, 0.1, 0.2, 0.3, 1, 2.5, 1e-7, 1e15, Number.MAX_SAFE_INTEGER),
    fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
    fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  );

/** An integer >= 1, small mostly, sometimes the largest exact one. */
export const positiveInteger = (): Arbitrary<number> =>
  fc.oneof(
    crossShrink,
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 10 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) },
  );

/** ISO 4217 codes: the usual ones mostly, any other now and then. */
export const currency = (): Arbitrary<string> =>
  fc.oneof(
    crossShrink,
    { weight: 4, arbitrary: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF') },
    { weight: 1, arbitrary: fc.constantFrom(...currencyCodes) },
  );
