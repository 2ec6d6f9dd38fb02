import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';
import * as t from 'io-ts';
import { integerFrom, refined, struct } from '../lib/codec.js';

/**
 * A sealed log is a hash chain over the whole log, in global order. Each link is a stored event's
 * record and its place in the log, plus the hash of the link before it (`prev`); its `hash` is the
 * SHA-256 of the link's canonical JSON (RFC 8785) without the `hash` field. The first link's `prev`
 * is GENESIS. Canonical JSON makes the hash independent of what a JSONB round trip does to key
 * order and number spelling.
 */

/** The `prev` of the first link of a log. */
export const GENESIS = '0'.repeat(64);

/** 1 at the code units of lower-case hexadecimal digits. */
const HEX_DIGIT = new Uint8Array(0x10000);
for (const digit of '0123456789abcdef') HEX_DIGIT[digit.charCodeAt(0)] = 1;

// A table lookup for each code unit, cheaper than a regular expression: every record of a log checks
// its prev so.
const isHex64 = (u: unknown): u is string => {
  if (typeof u !== 'string' || u.length !== 64) return false;
  for (let i = 0; i < 64; i++) if (HEX_DIGIT[u.charCodeAt(i)] !== 1) return false;
  return true;
};

/** A SHA-256 hash as 64 lower-case hexadecimal digits. */
export const LinkHash = refined('LinkHash', isHex64, 'a SHA-256 hash as 64 lower-case hexadecimal digits');

/** A global position in a link: a decimal string, since positions are bigints that JSON numbers cannot carry exactly. */
export const LinkPosition = refined(
  'LinkPosition',
  (u): u is string => typeof u === 'string' && /^(0|[1-9][0-9]{0,18})$/.test(u),
  'a global position as a decimal string without leading zeros',
);

/** The chain fields a sealed record carries beside `type`, `data` and `metadata`. */
export const SealFields = struct(
  'SealFields',
  {
    streamId: refined('SealStreamId', (u): u is string => typeof u === 'string', 'a string'),
    streamPosition: integerFrom('SealStreamPosition', 1),
    globalPosition: LinkPosition,
    prev: LinkHash,
    hash: LinkHash,
  },
  {},
  'strip',
);
export type SealFields = t.TypeOf<typeof SealFields>;

/** What a link's hash covers. */
export type LinkContent = {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: string;
  readonly prev: string;
};

/** One record of a sealed log: what it covers and its hash. */
export type SealedRecord = LinkContent & { readonly hash: string };

/**
 * The RFC 8785 canonical JSON of a JSON value. Values that JSON cannot carry (NaN, Infinity, lone
 * surrogates, cycles) throw: callers hand it decoded JSON or stored events, which have none.
 */
export const canonicalJson = (value: unknown): string => canonicalize(value) ?? 'null';

// The one-shot hash: a Hash object for each link costs as much again as the hashing (bench/verify).
const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

/** Just what a link's hash covers, whatever else `content` carries (a sealed record its `hash`). */
const covered = (content: LinkContent): LinkContent => ({
  type: content.type,
  data: content.data,
  metadata: content.metadata,
  streamId: content.streamId,
  streamPosition: content.streamPosition,
  globalPosition: content.globalPosition,
  prev: content.prev,
});

/** The hash of a link. */
export const linkHash = (content: LinkContent): string => sha256Hex(canonicalJson(covered(content)));

/** A record sealed after the link whose hash is `content.prev`. */
export const seal = (content: LinkContent): SealedRecord => {
  const link = covered(content);
  return { ...link, hash: linkHash(link) };
};

/** A sealed record as one line of an exported log: its canonical JSON, hash included. */
export const sealedLine = (record: SealedRecord): string => canonicalJson(record);

/**
 * Whether a sealed record's `hash` is the hash of its link. `line` is the text the record was
 * parsed from, if there is one: a line written by sealedLine is the canonical JSON of the link with
 * `"hash":"…",` inserted, so taking that out and hashing what is left checks it without
 * re-serialising (if the bytes taken out were not the ones inserted, what is left hashes to
 * something else, and the record is checked the long way).
 */
export function linkHolds(record: SealedRecord, line?: string): boolean {
  if (line !== undefined && typeof record.hash === 'string') {
    const at = hashFieldAt(line, record.hash);
    if (at >= 0 && sha256Hex(line.slice(0, at) + line.slice(at + fieldLength(record.hash))) === record.hash)
      return true;
  }
  return linkHash(record) === record.hash;
}

const HASH_KEY = '"hash":"';
const HASH_END = '",';
const fieldLength = (hash: string): number => HASH_KEY.length + hash.length + HASH_END.length;

/**
 * Where the first `"hash":"<hash>",` of a line starts, or -1. Searched by the hash, which is long
 * and rare in a line, and then its key before it and the end after it.
 */
export function hashFieldAt(line: string, hash: string): number {
  if (hash.length === 0) return line.indexOf(HASH_KEY + HASH_END);
  for (let found = line.indexOf(hash, HASH_KEY.length); found !== -1; found = line.indexOf(hash, found + 1))
    if (line.startsWith(HASH_KEY, found - HASH_KEY.length) && line.startsWith(HASH_END, found + hash.length))
      return found - HASH_KEY.length;
  return -1;
}

/** A log's head: how many links it has and the hash of the last one (GENESIS when none). */
export type ChainHead = { readonly length: number; readonly hash: string };

/** The head of a log with no link yet. */
export const emptyHead: ChainHead = { length: 0, hash: GENESIS };

/**
 * Seals records in the order they are given, each after the one before: the writer's side of a
 * chain (a store's append, or sealing an existing log). It starts after `head`.
 */
export class ChainWriter {
  #head: ChainHead;

  constructor(head: ChainHead = emptyHead) {
    this.#head = head;
  }

  /** The record sealed as the next link. */
  next(content: Omit<LinkContent, 'prev'>): SealedRecord {
    const record = seal({ ...content, prev: this.#head.hash });
    this.#head = { length: this.#head.length + 1, hash: record.hash };
    return record;
  }

  get head(): ChainHead {
    return this.#head;
  }
}
