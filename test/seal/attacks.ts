import fc from 'fast-check';
import { canonicalJson } from '../../src/seal/link.js';

/**
 * Attacks on a sealed log's lines, none of which re-seals or re-signs anything, each with where an
 * audit must find it. Positions are 1-based line numbers of the attacked log.
 */
export type Attack =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'alter'; readonly at: number; readonly field: Field; readonly pick: number }
  | { readonly kind: 'insert'; readonly at: number; readonly foreign: number }
  | { readonly kind: 'duplicate'; readonly of: number; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly with: number };

export const fields = [
  'type',
  'data',
  'metadata',
  'streamId',
  'streamPosition',
  'globalPosition',
  'prev',
  'hash',
] as const;
export type Field = (typeof fields)[number];

/** Any attack on a log of `n` lines (n >= 2), inserting from a log of `others` lines. */
export const anyAttack = (n: number, others: number): fc.Arbitrary<Attack> =>
  fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 1, max: n - 1 }) }),
    fc.record({
      kind: fc.constant('alter' as const),
      at: fc.integer({ min: 1, max: n }),
      field: fc.constantFrom(...fields),
      pick: fc.nat(),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.integer({ min: 1, max: n + 1 }),
      foreign: fc.integer({ min: 0, max: others - 1 }),
    }),
    fc.integer({ min: 1, max: n }).chain((of) =>
      fc.record({
        kind: fc.constant('duplicate' as const),
        of: fc.constant(of),
        at: fc.integer({ min: of + 1, max: n + 1 }),
      }),
    ),
    fc.integer({ min: 1, max: n - 1 }).chain((at) =>
      fc.record({
        kind: fc.constant('swap' as const),
        at: fc.constant(at),
        with: fc.integer({ min: at + 1, max: n }),
      }),
    ),
  );

/** One character of a string changed into another. */
const changed = (text: string, pick: number, alphabet = 'ab'): string => {
  const at = pick % text.length;
  const old = text[at] as string;
  const replacement = alphabet[0] === old ? (alphabet[1] as string) : (alphabet[0] as string);
  return text.slice(0, at) + replacement + text.slice(at + 1);
};

/** A decimal number with its last digit changed (still a whole number of the same length, never 0). */
const otherDigits = (digits: string): string =>
  digits.slice(0, -1) + (digits.endsWith('9') ? '8' : String(Number(digits.slice(-1)) + 1));

/** The paths of a JSON value's non-empty strings. */
function stringsOf(value: unknown, path: readonly (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return value.length > 0 ? [[...path]] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    stringsOf(v, [...path, Array.isArray(value) ? Number(key) : key]),
  );
}

/** A record with one character of one of its fields changed; its hash is left as it was. */
function alter(line: string, field: Field, pick: number): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  switch (field) {
    case 'type':
    case 'streamId':
      record[field] = changed(String(record[field]), pick);
      break;
    case 'prev':
    case 'hash':
      record[field] = changed(String(record[field]), pick, '01');
      break;
    case 'globalPosition':
      record[field] = otherDigits(String(record[field]));
      break;
    case 'streamPosition':
      record[field] = Number(otherDigits(String(record[field])));
      break;
    case 'data':
    case 'metadata': {
      const paths = stringsOf(record[field]);
      const path = paths[pick % paths.length] as (string | number)[];
      let parent = record[field] as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      parent[last] = changed(String(parent[last]), pick);
    }
  }
  return canonicalJson(record);
}

/** The lines after the attack. */
export function attacked(lines: readonly string[], attack: Attack, foreign: readonly string[]): string[] {
  const out = [...lines];
  switch (attack.kind) {
    case 'delete':
      out.splice(attack.at - 1, 1);
      break;
    case 'alter':
      out[attack.at - 1] = alter(lines[attack.at - 1] as string, attack.field, attack.pick);
      break;
    case 'insert':
      out.splice(attack.at - 1, 0, foreign[attack.foreign] as string);
      break;
    case 'duplicate':
      out.splice(attack.at - 1, 0, lines[attack.of - 1] as string);
      break;
    case 'swap':
      out[attack.at - 1] = lines[attack.with - 1] as string;
      out[attack.with - 1] = lines[attack.at - 1] as string;
  }
  return out;
}

/**
 * Where an audit must find the attack: the positions of its CHAIN_BROKEN findings, exactly, or for
 * a swap the first one and those it may have (each moved record is out of place, and so is what
 * follows it).
 */
export function expectedBreaks(attack: Attack, n: number): { first: number; allowed: readonly number[] } {
  switch (attack.kind) {
    case 'delete':
    case 'alter':
    case 'insert':
    case 'duplicate':
      return { first: attack.at, allowed: [attack.at] };
    case 'swap':
      return {
        first: attack.at,
        allowed: [attack.at, attack.at + 1, attack.with, attack.with + 1].filter((p) => p <= n),
      };
  }
}
