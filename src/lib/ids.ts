import { refined } from './codec.js';

export const MAX_ID_LENGTH = 128;

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * A non-empty string of at most `maxLength` characters that any store can keep as it is: no C0
 * controls, DEL or C1 controls, and no half of a surrogate pair standing alone (UTF-8, and so a
 * database, cannot store one: it would keep another name than the one given). A loop, not a regular
 * expression: ids are short, and the audit checks several an event.
 */
export function isStorableText(u: unknown, maxLength: number): u is string {
  if (typeof u !== 'string' || u.length === 0 || u.length > maxLength) return false;
  for (let i = 0; i < u.length; i++) {
    const unit = u.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || isLowSurrogate(unit)) return false;
    if (isHighSurrogate(unit)) {
      if (!isLowSurrogate(u.charCodeAt(i + 1))) return false;
      i += 1;
    }
  }
  return true;
}

/** Ids and names: non-empty, at most 128 characters, no control characters; whatever it spells, an ordinary id. */
export const Id = refined(
  'Id',
  (u): u is string => isStorableText(u, MAX_ID_LENGTH),
  `a non-empty string of at most ${MAX_ID_LENGTH} characters, without control characters or unpaired surrogates`,
);
