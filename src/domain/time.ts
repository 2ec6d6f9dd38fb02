import * as t from 'io-ts';
import { preview } from './codec.js';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// Instants are kept to four-digit years in UTC, so an offset cannot push one out of 0000..9999.
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

const isCalendarDate = (year: number, month: number, day: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);

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

/**
 * An instant: ISO-8601 with `Z` or an explicit offset, decoded to UTC (`2019-03-01T00:00:00.000Z`).
 * Fractions finer than a millisecond are cut to the millisecond.
 */
export const Instant = new t.Type<string, string, unknown>(
  'Instant',
  (u): u is string => typeof u === 'string' && parseInstant(u) !== undefined,
  (u, c) => {
    const ms = typeof u === 'string' ? parseInstant(u) : undefined;
    if (ms === undefined || Number.isNaN(ms))
      return t.failure(
        u,
        c,
        `must be an ISO-8601 instant with Z or an offset, like 2019-03-01T00:00:00Z (got ${preview(u)})`,
      );
    return t.success(new Date(ms).toISOString());
  },
  t.identity,
);

/** Milliseconds since the epoch of an instant (NaN for anything that is not one). */
export const instantMs = (instant: string): number => Date.parse(instant);

/** The UTC day (`YYYY-MM-DD`) of a normalised instant. */
export const utcDayOf = (instant: string): string => new Date(instantMs(instant)).toISOString().slice(0, 10);

const isDay = (u: unknown): u is string => {
  if (typeof u !== 'string') return false;
  const m = DAY.exec(u);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
};

/** A UTC calendar day `YYYY-MM-DD`. Days are fixed-width, so they compare correctly as strings. */
export const Day = new t.Type<string, string, unknown>(
  'Day',
  isDay,
  (u, c) =>
    isDay(u) ? t.success(u) : t.failure(u, c, `must be a calendar day YYYY-MM-DD (got ${preview(u)})`),
  t.identity,
);
