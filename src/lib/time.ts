import * as t from 'io-ts';
import { preview, refined, REFUSED, withQuickDecoder } from './codec.js';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

// Instants are kept to four-digit years in UTC, so an offset cannot push one out of 0000..9999.
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isCalendarDate = (year: number, month: number, day: number): boolean =>
  month >= 1 &&
  month <= 12 &&
  day >= 1 &&
  day <= (month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0));

/** The number written by the digits of `text` from `start` to `end`, or -1 if one of them is not a digit. */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Whether `text` is `YYYY-MM-DD` and a real calendar day. */
function isCalendarDay(text: string): boolean {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digits(text, 0, 4);
  return year >= 0 && isCalendarDate(year, digits(text, 5, 7), digits(text, 8, 10));
}

/**
 * Whether `text` is already an instant as this library writes it, `2019-03-01T00:00:00.000Z`
 * (what every stored event holds): checked character by character, it needs no parsing.
 */
function isCanonicalInstant(text: string): boolean {
  if (text.length !== 24 || !isCalendarDay(text)) return false;
  return (
    text.charCodeAt(10) === 84 && // T
    text.charCodeAt(13) === 58 && // :
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 && // .
    text.charCodeAt(23) === 90 && // Z
    digits(text, 11, 13) >= 0 &&
    digits(text, 11, 13) <= 23 &&
    digits(text, 14, 16) >= 0 &&
    digits(text, 14, 16) <= 59 &&
    digits(text, 17, 19) >= 0 &&
    digits(text, 17, 19) <= 59 &&
    digits(text, 20, 23) >= 0
  );
}

/** Milliseconds since the epoch of an ISO-8601 instant with `Z` or an offset, or undefined if it is not one. */
function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  const ms = utc.getTime() - offsetMinutes * 60_000;
  return ms >= FIRST_INSTANT && ms <= LAST_INSTANT ? ms : undefined;
}

/** An instant in the library's one written form (UTC, milliseconds), or REFUSED. */
function canonicalInstant(u: unknown): string | typeof REFUSED {
  if (typeof u !== 'string') return REFUSED;
  if (isCanonicalInstant(u)) return u;
  const ms = parseInstant(u);
  return ms === undefined ? REFUSED : new Date(ms).toISOString();
}

/**
 * An instant: ISO-8601 with `Z` or an explicit offset, decoded to UTC (`2019-03-01T00:00:00.000Z`).
 * Fractions finer than a millisecond are cut to the millisecond.
 */
export const Instant = withQuickDecoder(
  new t.Type<string, string, unknown>(
    'Instant',
    (u): u is string => canonicalInstant(u) !== REFUSED,
    (u, c) => {
      const instant = canonicalInstant(u);
      return instant === REFUSED
        ? t.failure(
            u,
            c,
            `must be an ISO-8601 instant with Z or an offset, like 2019-03-01T00:00:00Z (got ${preview(u)})`,
          )
        : t.success(instant);
    },
    t.identity,
  ),
  canonicalInstant,
);

/** The length of an instant as the library writes it, `2019-03-01T00:00:00.000Z`, and of no other form of one. */
const WRITTEN_LENGTH = 24;

/**
 * An instant written as the library writes instants (UTC, milliseconds): the type `string` does not
 * say which form an instant is in (an event made by hand may hold `...T10:00:00Z`, or an offset). A
 * decoded one (the usual case) comes back as it is, told by its length alone: no other form of an
 * instant has that length. Text that is no instant at all is left as it is: the caller's type
 * promised one.
 */
export const inUtc = (instant: string): string => {
  if (instant.length === WRITTEN_LENGTH) return instant;
  const written = canonicalInstant(instant);
  return written === REFUSED ? instant : written;
};

/**
 * Whether instant `a` is earlier than instant `b`. Written as the library writes instants (one
 * fixed-width UTC form), the order of the text is the order in time.
 */
export const isEarlier = (a: string, b: string): boolean => inUtc(a) < inUtc(b);

/** Milliseconds since the epoch of a decoded instant. */
export const instantMs = (instant: string): number => Date.parse(instant);

/**
 * How a day stands to the UTC day of an instant: negative before it, 0 the same day, positive after.
 * Both begin with `YYYY-MM-DD` once the instant is in UTC, so their first ten characters decide,
 * compared in place.
 */
export function compareDayWithInstant(day: string, instant: string): number {
  const utc = inUtc(instant);
  for (let i = 0; i < 10; i++) {
    const difference = day.charCodeAt(i) - utc.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The UTC day (`YYYY-MM-DD`) of an instant: the first ten characters of its UTC form. */
export const utcDayOf = (instant: string): string => inUtc(instant).slice(0, 10);

const isDay = (u: unknown): u is string => typeof u === 'string' && u.length === 10 && isCalendarDay(u);

/** A UTC calendar day `YYYY-MM-DD`. Days are fixed-width, so they compare correctly as strings. */
export const Day = withQuickDecoder(
  new t.Type<string, string, unknown>(
    'Day',
    isDay,
    (u, c) =>
      isDay(u) ? t.success(u) : t.failure(u, c, `must be a calendar day YYYY-MM-DD (got ${preview(u)})`),
    t.identity,
  ),
  (u) => (isDay(u) ? u : REFUSED),
);

/** An instant as the library writes it (UTC, milliseconds, `Z`): what a state or a view keeps, in no other form. */
export const UtcInstant = refined(
  'UtcInstant',
  (u): u is string => Instant.is(u) && inUtc(u as string) === u,
  'an instant as the library writes it, like 2019-03-01T00:00:00.000Z',
);
