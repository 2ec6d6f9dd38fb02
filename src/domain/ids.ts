import { refined } from './codec.js';

export const MAX_ID_LENGTH = 128;

// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const isId = (u: unknown): u is string =>
  typeof u === 'string' && u.length > 0 && u.length <= MAX_ID_LENGTH && !CONTROL.test(u);

/** Ids and names: non-empty, at most 128 characters, no control characters; whatever it spells, an ordinary id. */
export const Id = refined(
  'Id',
  isId,
  `a non-empty string of at most ${MAX_ID_LENGTH} characters without control characters`,
);
