import type { LinkEntry, LinkSink } from '../seal/verify.js';

/**
 * A shard's link entries, packed into one string for the trip to the merge: a thread copies a string
 * in one go, where it would serialise an object's fields one by one (for every record of the log).
 * One entry a line: `L<position> <global position> <prev><hash>[<actual>]` (hashes are 64 characters),
 * `P<position>`, `U<position>`, or `A<position> <problem as JSON>`.
 */
export function packLinks(entries: readonly LinkEntry[]): string {
  const packer = new LinkPacker();
  for (const entry of entries) packer.entry(entry);
  return packer.take();
}

/**
 * Packs link entries as they come (see packLinks), a link that holds straight from its fields: a
 * shard's sink, so that no entry object is made for nearly every record of a log.
 */
export class LinkPacker implements LinkSink {
  #packed = '';

  holding(position: number, prev: string, hash: string, globalPosition: string): void {
    // Concatenated as it comes: the string is flattened once, when it is posted.
    this.#packed += `${this.#packed.length === 0 ? '' : '\n'}L${position} ${globalPosition} ${prev}${hash}`;
  }

  entry(entry: LinkEntry): void {
    this.#packed += `${this.#packed.length === 0 ? '' : '\n'}${packLink(entry)}`;
  }

  /** The entries packed since the last take. */
  take(): string {
    const packed = this.#packed;
    this.#packed = '';
    return packed;
  }
}

function packLink(entry: LinkEntry): string {
  switch (entry.kind) {
    case 'link':
      return `L${entry.position} ${entry.globalPosition} ${entry.prev}${entry.hash}${entry.actual ?? ''}`;
    case 'plain':
      return `P${entry.position}`;
    case 'unreadable':
      return `U${entry.position}`;
    case 'altered':
      return `A${entry.position} ${JSON.stringify(entry.problem)}`;
  }
}

const HASH = 64;

/** The entries packLinks packed, in their order. */
export function unpackLinks(packed: string): LinkEntry[] {
  return packed.length === 0 ? [] : packed.split('\n').map(unpackLink);
}

/** The entry of one line that packLinks wrote. */
function unpackLink(text: string): LinkEntry {
  const kind = text[0];
  const space = text.indexOf(' ');
  const position = Number(text.slice(1, space === -1 ? text.length : space));
  if (kind === 'P') return { kind: 'plain', position };
  if (kind === 'U') return { kind: 'unreadable', position };
  if (kind === 'A')
    return { kind: 'altered', position, problem: JSON.parse(text.slice(space + 1)) as string };
  const hashes = text.indexOf(' ', space + 1) + 1;
  const link = {
    kind: 'link',
    position,
    globalPosition: text.slice(space + 1, hashes - 1),
    prev: text.slice(hashes, hashes + HASH),
    hash: text.slice(hashes + HASH, hashes + 2 * HASH),
  } as const;
  return text.length > hashes + 2 * HASH ? { ...link, actual: text.slice(hashes + 2 * HASH) } : link;
}

const NEWLINE = 10;
const SPACE = 32;
const ZERO = 48;
const LINK = 76; // 'L'

/** One shard's packed batches not yet walked through: the first from `at`, the entry whose position is `next`. */
type Packed = { batches: string[]; at: number; next: number; through: number };

/**
 * Merges the packed link entries of shards into log order, as LogOrderMerge does with objects (see
 * there), and hands them to a sink as it goes, read where they lie in the packed strings: a link that
 * holds, what nearly every record is, becomes no object on the way (see ChainCheck.holding); any other
 * entry is unpacked.
 */
export class PackedLinkMerge {
  private readonly shards: Packed[];
  private passed = 0;

  constructor(
    shards: number,
    private readonly sink: LinkSink,
  ) {
    this.shards = Array.from({ length: shards }, () => ({ batches: [], at: 0, next: Infinity, through: 0 }));
  }

  /** A shard's next packed entries (packLinks), all those of lines up to `through`; returns how far everything has been passed on. */
  add(shard: number, packed: string, through: number): number {
    const queue = this.shards[shard];
    if (queue === undefined) throw new RangeError(`no shard ${shard} of ${this.shards.length}`);
    if (packed.length > 0) {
      queue.batches.push(packed);
      if (queue.batches.length === 1) {
        queue.at = 0;
        queue.next = positionAt(packed, 0);
      }
    }
    queue.through = through;
    return this.flush();
  }

  /** How many of a shard's batches are held (in part or whole), waiting for the other shards. */
  held(shard: number): number {
    return this.shards[shard]?.batches.length ?? 0;
  }

  /** Every entry of a line up to here has been passed on. */
  get through(): number {
    return this.passed;
  }

  private flush(): number {
    let through = Infinity;
    for (const queue of this.shards) through = Math.min(through, queue.through);
    for (;;) {
      let next: Packed | undefined;
      let nextPosition = Infinity;
      for (const queue of this.shards)
        if (queue.next <= through && queue.next < nextPosition) {
          next = queue;
          nextPosition = queue.next;
        }
      if (next === undefined) break;
      this.pass(next);
    }
    this.passed = Math.max(this.passed, through);
    return this.passed;
  }

  /** Hands the shard's next entry to the sink, and moves on past it. */
  private pass(queue: Packed): void {
    const text = queue.batches[0] as string;
    const { at } = queue;
    let end: number;
    if (text.charCodeAt(at) === LINK) {
      const space = text.indexOf(' ', at);
      const hashes = text.indexOf(' ', space + 1) + 1;
      // Its hashes hold no newline: it is looked for after them.
      end = endAt(text, hashes + 2 * HASH);
      if (end === hashes + 2 * HASH)
        this.sink.holding(
          queue.next,
          text.slice(hashes, hashes + HASH),
          text.slice(hashes + HASH, end),
          text.slice(space + 1, hashes - 1),
        );
      else this.sink.entry(unpackLink(text.slice(at, end)));
    } else {
      end = endAt(text, at);
      this.sink.entry(unpackLink(text.slice(at, end)));
    }
    if (end < text.length) {
      queue.at = end + 1;
      queue.next = positionAt(text, queue.at);
      return;
    }
    queue.batches.shift();
    const [following] = queue.batches;
    queue.at = 0;
    queue.next = following === undefined ? Infinity : positionAt(following, 0);
  }
}

/** Where the packed entry that goes on at `from` ends: at its newline, or the end of the text. */
function endAt(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

/** The position of the packed entry that starts at `at`: the digits after its kind. */
function positionAt(text: string, at: number): number {
  let position = 0;
  for (let i = at + 1; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === SPACE || unit === NEWLINE) break;
    position = position * 10 + (unit - ZERO);
  }
  return position;
}
