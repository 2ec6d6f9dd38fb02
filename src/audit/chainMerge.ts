import type { ChainCheck, LinkEntry } from '../seal/verify.js';

/** One shard's link entries not yet checked, oldest first, and how far it has read. */
type Queue = { items: LinkEntry[]; head: number; through: number };

/**
 * Puts the link entries of shards back into log order for one ChainCheck. A shard checks the links
 * of the records it parses (the hash of each, the costly part) and sends what each says of itself;
 * an entry is checked against the one before it in the log once every shard has read past it. Holds
 * only what the slowest shard has not caught up with.
 */
export class ChainMerge {
  private readonly queues: Queue[];

  constructor(
    shards: number,
    private readonly check: ChainCheck,
  ) {
    this.queues = Array.from({ length: shards }, () => ({ items: [], head: 0, through: 0 }));
  }

  /** A shard's next entries, in log order, all of lines up to `through`; returns how far the log has been checked. */
  add(shard: number, entries: readonly LinkEntry[], through: number): number {
    const queue = this.queues[shard];
    if (queue === undefined) throw new RangeError(`no shard ${shard} of ${this.queues.length}`);
    for (const entry of entries) queue.items.push(entry);
    queue.through = through;
    const checked = Math.min(...this.queues.map((q) => q.through));
    for (;;) {
      let next: Queue | undefined;
      let nextPosition = Number.POSITIVE_INFINITY;
      for (const q of this.queues) {
        const head = q.items[q.head];
        if (head !== undefined && head.position <= checked && head.position < nextPosition) {
          next = q;
          nextPosition = head.position;
        }
      }
      if (next === undefined) return checked;
      this.check.entry(next.items[next.head] as LinkEntry);
      next.head += 1;
      if (next.head === next.items.length) {
        next.items = [];
        next.head = 0;
      }
    }
  }

  /** How many of a shard's entries are held, waiting for the other shards. */
  held(shard: number): number {
    const queue = this.queues[shard];
    return queue === undefined ? 0 : queue.items.length - queue.head;
  }
}
