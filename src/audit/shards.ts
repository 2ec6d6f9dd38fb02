/**
 * Partners are independent of one another, so a log can be audited in shards: each shard takes the
 * partners that `shardOf` gives it, and judges their events in log order.
 */
import type { LineRouter } from './ndjson.js';

import { FNV_OFFSET, fnv1a, fnvStep } from '../lib/hash.js';

/** The shard of a partner: FNV-1a over the UTF-16 code units of its id. */
export const shardOf = (partnerId: string, shards: number): number => fnv1a(partnerId) % shards;

const KEY = '"partnerId"';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const isBlank = (unit: number): boolean => unit === 0x20 || unit === 0x09 || unit === 0x0d;

/**
 * The shard of the partner a line names, guessed from its text without parsing it: the first string
 * under a "partnerId" key, when that string has no escapes (then its code units are the id's).
 * Undefined when there is no such string. A guess, and only that: the key may be in another object
 * or given twice, so the shard that reads the line checks it against the decoded event.
 */
export const guessShardOfLine = (
  text: string,
  start: number,
  end: number,
  shards: number,
): number | undefined => shardAfterKey(text, text.indexOf(KEY, start), end, shards);

/**
 * guessShardOfLine for the lines of a text in order: the next "partnerId" key is searched for once,
 * not again for each line before it that has none.
 */
export function lineGuesser(
  shards: number,
): (text: string, start: number, end: number) => number | undefined {
  let searched: string | undefined;
  let searchedFrom = 0;
  let keyAt = -1;
  return (text, start, end) => {
    if (text !== searched || start < searchedFrom || (keyAt !== -1 && keyAt < start)) {
      searched = text;
      searchedFrom = start;
      keyAt = text.indexOf(KEY, start);
    }
    return shardAfterKey(text, keyAt, end, shards);
  };
}

/**
 * What a shard is told of a line it reads: its text names one of the shard's partners, or names none
 * the shard can tell (every shard reads such a line, and only the owner of its event judges it).
 */
export type LineRoute = 'named' | 'unnamed';

/** The lines a shard reads: those whose text names one of its partners, and those that name none it can tell. */
export function lineRouter(shard: number, shards: number): LineRouter<LineRoute> {
  const guess = lineGuesser(shards);
  return {
    line: (text, start, end) => {
      const named = guess(text, start, end);
      return named === undefined ? 'unnamed' : named === shard ? 'named' : undefined;
    },
    // Its text is never decoded, so it names no partner.
    oversized: () => 'unnamed',
  };
}

/** Whether a shard reports a line that holds no event: the shard its text names, or shard 0 if none. */
export const reports = (route: LineRoute, shard: number): boolean => route === 'named' || shard === 0;

/** The shard of the string after the key found at `at` (-1: none), if it is in the line and plain. */
function shardAfterKey(text: string, keyAt: number, end: number, shards: number): number | undefined {
  if (keyAt === -1 || keyAt >= end) return undefined;
  let at = keyAt + KEY.length;
  while (at < end && isBlank(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== COLON) return undefined;
  at++;
  while (at < end && isBlank(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== QUOTE) return undefined;
  let hash = FNV_OFFSET;
  for (let i = at + 1; i < end; i++) {
    const unit = text.charCodeAt(i);
    if (unit === QUOTE) return i === at + 1 ? undefined : (hash >>> 0) % shards;
    if (unit === BACKSLASH || unit < 0x20) return undefined;
    hash = fnvStep(hash, unit);
  }
  return undefined;
}
