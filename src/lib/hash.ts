/**
 * FNV-1a over UTF-16 code units, 32 bits: the same on every machine and in every run, and cheap over
 * the short texts it is given (ids, seeds, table names). Not for anything an adversary chooses to
 * collide where that would matter.
 */

export const FNV_OFFSET = 0x811c9dc5;

/** The hash so far, with one more code unit. */
export const fnvStep = (hash: number, unit: number): number => Math.imul(hash ^ unit, 0x01000193);

/** FNV-1a of a text, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) hash = fnvStep(hash, text.charCodeAt(i));
  return hash >>> 0;
}
