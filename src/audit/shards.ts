/**
 * Partners are independent of one another, so a log can be audited in shards: each shard takes the
 * partners that `shardOf` gives it, and judges their events in log order.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The shard of a partner: FNV-1a over the UTF-16 code units of its id. */
export function shardOf(partnerId: string, shards: number): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < partnerId.length; i++) hash = Math.imul(hash ^ partnerId.charCodeAt(i), FNV_PRIME);
  return (hash >>> 0) % shards;
}

const KEY = Buffer.from('"partnerId"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const isBlank = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;

/**
 * The shard of the partner a raw line names, guessed from its bytes without parsing it: the first
 * string under a "partnerId" key, when that string is plain printable ASCII (then its bytes are its
 * code units). Undefined when there is no such string. A guess, and only that: the key may be in
 * another object or given twice, so the shard that reads the line checks it against the decoded event.
 */
export function guessShardOfLine(line: Buffer, shards: number): number | undefined {
  let at = line.indexOf(KEY);
  if (at === -1) return undefined;
  at += KEY.length;
  while (isBlank(line[at])) at++;
  if (line[at] !== COLON) return undefined;
  at++;
  while (isBlank(line[at])) at++;
  if (line[at] !== QUOTE) return undefined;
  let hash = FNV_OFFSET;
  for (let i = at + 1; i < line.length; i++) {
    const byte = line[i] as number;
    if (byte === QUOTE) return i === at + 1 ? undefined : (hash >>> 0) % shards;
    if (byte < 0x20 || byte > 0x7e || byte === BACKSLASH) return undefined;
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  }
  return undefined;
}
