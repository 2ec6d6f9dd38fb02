import * as E from 'fp-ts/lib/Either.js';
import { describeProblems, isRecord, problemsOf } from '../lib/codec.js';
import { reasonOf } from '../lib/reason.js';
import {
  GENESIS,
  linkHash,
  LinkHash,
  linkHolds,
  LinkPosition,
  SealFields,
  type SealedRecord,
} from './link.js';

/**
 * Verifying a sealed log is two checks. Each record's link must hold (its hash is the hash of its
 * content): that needs the record parsed, and costs a SHA-256 of its line, so it is done where the
 * record is parsed (in the thread that judges it). And the links must follow one another in log order
 * (each `prev` is the hash of the record before it): that needs only what each record says of itself,
 * a LinkEntry, taken in order by one ChainCheck.
 */

/** What a record says of its link, at its position. */
export type LinkEntry =
  /** A record with chain fields; `actual` is its content's hash when that is not its `hash`. */
  | {
      readonly kind: 'link';
      readonly position: number;
      readonly prev: string;
      readonly hash: string;
      readonly globalPosition: string;
      readonly actual?: string;
    }
  /** An object with no chain field at all: a record of a log that was never sealed. */
  | { readonly kind: 'plain'; readonly position: number }
  /** An object with some chain fields, missing or malformed: why. */
  | { readonly kind: 'altered'; readonly position: number; readonly problem: string }
  /** A line that holds no object (not JSON, or another value). */
  | { readonly kind: 'unreadable'; readonly position: number };

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * Where a record's link entries go, in log order: `holding` for a link that holds (the same as
 * `entry` of its link entry, without making one), `entry` for any other. A ChainCheck is one.
 */
export type LinkSink = {
  holding(position: number, prev: string, hash: string, globalPosition: string): void;
  entry(entry: LinkEntry): void;
};

/**
 * The link entry of a record read at `position`; `line` is the text it was parsed from, if any (see
 * linkHolds). Never throws: a record whose content cannot be hashed (a caller's getter that throws)
 * is an altered one.
 */
export function linkEntryOf(position: number, value: unknown, line?: string): LinkEntry {
  if (!isRecord(value)) return { kind: 'unreadable', position };
  try {
    if (unsealed(value)) return { kind: 'plain', position };
    if (heldAsSealed(value, line))
      return {
        kind: 'link',
        position,
        prev: value.prev,
        hash: value.hash,
        globalPosition: value.globalPosition,
      };
    return checkedTheLongWay(position, value);
  } catch (error) {
    return unreadableFields(position, error);
  }
}

/**
 * Gives a record's link entry to `sink` (see linkEntryOf): a link that holds, what nearly every
 * record of a sealed log is, as `holding`, without an entry object.
 */
export function passLinkEntry(sink: LinkSink, position: number, value: unknown, line?: string): void {
  if (!isRecord(value)) return sink.entry({ kind: 'unreadable', position });
  let entry: LinkEntry | undefined;
  // The fields of a link that holds, read inside the try (a caller's getter that throws makes an
  // altered record, as in linkEntryOf), as locals: no object for what nearly every record is.
  let prev = '';
  let hash = '';
  let globalPosition = '';
  try {
    if (unsealed(value)) entry = { kind: 'plain', position };
    else if (heldAsSealed(value, line)) ({ prev, hash, globalPosition } = value);
    else entry = checkedTheLongWay(position, value);
  } catch (error) {
    entry = unreadableFields(position, error);
  }
  // Outside the try: what the sink throws is its own.
  if (entry === undefined) sink.holding(position, prev, hash, globalPosition);
  else sink.entry(entry);
}

/**
 * Whether a record's link holds as its writer sealed it: then its hash is a SHA-256 by construction,
 * and only what the check itself compares is looked at. The codec says what is wrong with any other.
 * (So every link entry's prev, hash and actual are 64 hexadecimal digits: see packLinks.)
 */
function heldAsSealed(value: Record<string, unknown>, line: string | undefined): value is SealedRecord {
  const { hash, prev, globalPosition, type } = value;
  return (
    typeof hash === 'string' &&
    LinkHash.is(prev) &&
    typeof type === 'string' &&
    LinkPosition.is(globalPosition) &&
    linkHolds(value as unknown as SealedRecord, line)
  );
}

/** An object with no chain field at all: a record of a log that was never sealed. */
const unsealed = (value: object): boolean => !hasOwn(value, 'hash') && !hasOwn(value, 'prev');

/** The link entry of a record with chain fields that heldAsSealed does not vouch for. */
function checkedTheLongWay(position: number, value: Record<string, unknown>): LinkEntry {
  const fields = SealFields.decode(value);
  if (E.isLeft(fields))
    return { kind: 'altered', position, problem: describeProblems(problemsOf(fields.left)) };
  if (typeof value['type'] !== 'string')
    return { kind: 'altered', position, problem: 'type must be a string' };
  const record = value as unknown as SealedRecord;
  const actual = linkHash(record);
  const link = {
    kind: 'link',
    position,
    prev: record.prev,
    hash: record.hash,
    globalPosition: record.globalPosition,
  } as const;
  return actual === record.hash ? link : { ...link, actual };
}

const unreadableFields = (position: number, error: unknown): LinkEntry => ({
  kind: 'altered',
  position,
  problem: `the record could not be read: ${reasonOf(error)}`,
});

/** A break of the chain, or a log that does not pass through a checkpoint, at a position. */
export type ChainFinding = {
  readonly position: number;
  readonly code: 'CHAIN_BROKEN' | 'CHECKPOINT_MISMATCH';
  readonly message: string;
};

/** A log's head: how many records it has, the last one's global position, and its hash. */
export type LogHead = { readonly position: number; readonly globalPosition: string; readonly hash: string };

/**
 * What verifying found of the log as a whole: sealed, with its head (as its records say, whether or
 * not they hold) and how many breaks; or not sealed (its first record has no chain field), so not
 * verified. A log of no record is sealed: an empty chain.
 */
export type ChainReport =
  { readonly sealed: true; readonly breaks: number; readonly head: LogHead } | { readonly sealed: false };

/** The prevs a record may have: the hashes given, or any (after a record whose hash cannot be known). */
type Accepted = readonly string[] | 'any';

/** Hashes of this many recent records are kept, so that a break can say which record it repeats or skips to. */
const RECENT = 256;

/** Whether the decimal global position `a` comes after `b`. */
const after = (a: string, b: string): boolean => a.length > b.length || (a.length === b.length && a > b);

/**
 * Follows the links of a log in order and reports each break once, where it is. After a break it
 * goes on from the record that broke: the next record may point to that record's hash (stated or
 * actual), or, when that record did not connect, to the last record that did (the broken one was
 * inserted). So a deletion, an insertion, a duplicate or an alteration is one finding; a swap of
 * two records is two (each is out of place).
 */
export class ChainCheck {
  #sealed: boolean | undefined;
  #accepted: Accepted = [GENESIS];
  /** The hashes of the last record that connected, which a record after an inserted one points to. */
  #anchor: Accepted = [GENESIS];
  /** The record before, and whether it is in place: its link holds and it follows the one before it. */
  #previous:
    { readonly position: number; readonly globalPosition: string; readonly inPlace: boolean } | undefined;
  #records = 0;
  #lastPosition = 0;
  #breaks = 0;
  /** The head, as the last link says (its position in the log is #headRecords). */
  #headRecords = 0;
  #headGlobalPosition = '0';
  #headHash = GENESIS;
  /** The checkpoints not yet reached, the nearest first. */
  readonly #checkpoints: LogHead[];
  /** The hashes of the last RECENT links and their positions, in a ring: #recentNext is the oldest. */
  readonly #recentHashes: string[] = [];
  readonly #recentPositions: number[] = [];
  #recentNext = 0;

  constructor(
    private readonly report: (finding: ChainFinding) => void,
    checkpoints: readonly LogHead[] = [],
  ) {
    this.#checkpoints = [...checkpoints].sort((a, b) => a.position - b.position);
  }

  /**
   * The next record, a link that holds: the same as `entry` of its link entry without `actual`. What
   * nearly every record of a log is, so it is taken without an entry object when it simply follows
   * the record before it.
   */
  holding(position: number, prev: string, hash: string, globalPosition: string): void {
    const accepted = this.#accepted;
    const previous = this.#previous;
    if (
      this.#sealed !== true ||
      accepted === 'any' ||
      accepted.length !== 1 ||
      accepted[0] !== prev ||
      previous === undefined ||
      !previous.inPlace ||
      !after(globalPosition, previous.globalPosition) ||
      this.#checkpoints[0]?.position === this.#records + 1
    )
      return this.entry({ kind: 'link', position, prev, hash, globalPosition });
    // It connects, in order, and no checkpoint is reached: what link() does then, and nothing else.
    this.#lastPosition = position;
    this.#records += 1;
    const own = [hash];
    this.#accepted = own;
    this.#anchor = own;
    this.#previous = { position, globalPosition, inPlace: true };
    this.linked(position, globalPosition, hash);
  }

  /** The next record's entry (entries come in log order). */
  entry(entry: LinkEntry): void {
    this.#lastPosition = entry.position;
    if (this.#sealed === false) return;
    if (this.#sealed === undefined) {
      if (entry.kind === 'plain') {
        this.#sealed = false;
        if (this.#checkpoints.length > 0)
          this.mismatch(
            entry.position,
            'the log has no chain fields, so it cannot pass through the checkpoint: it is not the log that was signed',
          );
        return;
      }
      if (entry.kind !== 'unreadable') this.#sealed = true;
    }
    this.#records += 1;
    if (entry.kind === 'link') this.link(entry);
    else this.unlinked(entry);
    while (this.#checkpoints[0]?.position === this.#records)
      this.atCheckpoint(this.#checkpoints.shift() as LogHead, entry);
  }

  /** The log ended: a checkpoint beyond its end is a mismatch just after its last record. */
  end(): void {
    const [checkpoint] = this.#checkpoints;
    if (checkpoint === undefined || this.#sealed === false) return;
    this.mismatch(
      this.#lastPosition + 1,
      `the log ends after ${this.#records} records, before the checkpoint's ${checkpoint.position}: records were removed from it`,
    );
  }

  /** What the log as a whole was found to be, so far. */
  result(): ChainReport {
    return this.#sealed === false
      ? { sealed: false }
      : {
          sealed: true,
          breaks: this.#breaks,
          head: {
            position: this.#headRecords,
            globalPosition: this.#headGlobalPosition,
            hash: this.#headHash,
          },
        };
  }

  private link(entry: LinkEntry & { kind: 'link' }): void {
    const { position, prev, hash, globalPosition, actual } = entry;
    const holds = actual === undefined;
    const accepted = this.#accepted;
    const connects = accepted === 'any' || accepted.includes(prev);
    const previous = this.#previous;
    const ordered =
      previous === undefined || !previous.inPlace || !holds || after(globalPosition, previous.globalPosition);
    if (!holds)
      this.broken(
        position,
        "the record's hash is not the hash of its content: it was altered after it was sealed (its type, data, metadata, stream, positions, prev or hash)",
      );
    else if (!connects) this.broken(position, this.disconnected(prev, hash));
    else if (!ordered)
      this.broken(
        position,
        `its global position ${globalPosition} does not come after ${previous?.globalPosition} of record ${previous?.position}: records were reordered`,
      );
    const own = holds ? [hash] : [hash, actual];
    this.#accepted = connects || this.#anchor === 'any' ? own : [...own, ...this.#anchor];
    if (connects) this.#anchor = own;
    this.#previous = { position, globalPosition, inPlace: holds && connects };
    this.linked(position, globalPosition, hash);
  }

  /** A link was taken: it is the head, as it says, and one of the recent links. */
  private linked(position: number, globalPosition: string, hash: string): void {
    this.#headRecords = this.#records;
    this.#headGlobalPosition = globalPosition;
    this.#headHash = hash;
    this.remember(hash, position);
  }

  private unlinked(entry: LinkEntry & { kind: 'plain' | 'altered' | 'unreadable' }): void {
    if (this.#sealed === true)
      this.broken(
        entry.position,
        entry.kind === 'altered'
          ? `the record's chain fields are not valid (${entry.problem}): it was altered, or inserted from elsewhere`
          : entry.kind === 'plain'
            ? 'the record has no chain fields, in a sealed log: it was inserted, or its chain fields were removed'
            : 'the line holds no record whose link could be checked: it was altered',
      );
    // What comes next cannot be checked against a hash that cannot be known.
    this.#accepted = 'any';
    this.#anchor = 'any';
    this.#previous = undefined;
  }

  /** Why a record whose link holds does not follow the one before it, in the likeliest words. */
  private disconnected(prev: string, hash: string): string {
    const copied = this.recalled(hash);
    if (copied !== undefined) return `the record is a copy of record ${copied}: a record was duplicated`;
    const previous = this.#previous;
    if (previous === undefined)
      return prev === GENESIS
        ? 'the record starts a chain of its own: it was inserted from another log'
        : "its prev is not the chain's start: the records before it were deleted";
    if (prev === GENESIS)
      return 'the record starts a chain, but records come before it: it was inserted from another log, or moved here';
    const skippedTo = this.recalled(prev);
    if (skippedTo !== undefined && skippedTo < previous.position)
      return `its prev is the hash of record ${skippedTo}, not of record ${previous.position}: records were moved before this one`;
    return `its prev is not the hash of record ${previous.position}: a record was deleted, inserted or moved before this one`;
  }

  // A ring rather than a map from hash to position: a map would hash every link's hash, for the few
  // records that break.
  private remember(hash: string, position: number): void {
    this.#recentHashes[this.#recentNext] = hash;
    this.#recentPositions[this.#recentNext] = position;
    this.#recentNext = (this.#recentNext + 1) % RECENT;
  }

  /** The position of the latest of the recent links whose hash is `hash`, if any. */
  private recalled(hash: string): number | undefined {
    const kept = this.#recentHashes.length;
    for (let back = 1; back <= kept; back++) {
      const at = (this.#recentNext - back + RECENT) % RECENT;
      if (this.#recentHashes[at] === hash) return this.#recentPositions[at];
    }
    return undefined;
  }

  private atCheckpoint(checkpoint: LogHead, entry: LinkEntry): void {
    if (entry.kind !== 'link')
      return this.mismatch(
        entry.position,
        `record ${checkpoint.position} (the checkpoint's) has no valid chain fields: the log was changed before this point`,
      );
    if (entry.hash !== checkpoint.hash || entry.globalPosition !== checkpoint.globalPosition)
      this.mismatch(
        entry.position,
        `record ${checkpoint.position} has hash ${entry.hash.slice(0, 12)}… at global position ${entry.globalPosition}, not the checkpoint's ${checkpoint.hash.slice(0, 12)}… at ${checkpoint.globalPosition}: the log up to here is not the one that was signed`,
      );
  }

  private broken(position: number, message: string): void {
    this.#breaks += 1;
    this.report({ position, code: 'CHAIN_BROKEN', message });
  }

  private mismatch(position: number, message: string): void {
    this.report({ position, code: 'CHECKPOINT_MISMATCH', message });
  }
}
