import { refined } from './codec.js';

export const MAX_ID_LENGTH = 128;

// C0 controls, DEL, C1 controls, and halves of surrogate pairs standing alone (UTF-8, and so a
// database, cannot store them: it would keep another name than the one given).
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000-\u001f\u007f-\u009f]|\p{Surrogate}/u;

/** A non-empty string of at most `maxLength` characters that any store can keep as it is. */
export const isStorableText = (u: unknown, maxLength: number): u is string =>
  typeof u === 'string' && u.length > 0 && u.length <= maxLength && !UNSTORABLE.test(u);

/** Ids and names: non-empty, at most 128 characters, no control characters; whatever it spells, an ordinary id. */
export const Id = refined(
  'Id',
  (u): u is string => isStorableText(u, MAX_ID_LENGTH),
  `a non-empty string of at most ${MAX_ID_LENGTH} characters, without control characters or unpaired surrogates`,
);
