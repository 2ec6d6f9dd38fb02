/** One shard's items not yet passed on, oldest first, and how far it has read. */
type Queue<T> = { items: T[]; head: number; through: number };

/**
 * Merges what shards send about the lines of one log back into log order as it comes: findings, or
 * the link entries of a sealed log. Each shard sends its items in its own order with how far it has
 * read (`through`: every item of a line up to there has been sent). An item is passed on once every
 * shard has read past its line, as no shard can then send one before it; a line's items are all one
 * shard's, so they keep that shard's order. Holds only what the slowest shard has not caught up with.
 */
export class LogOrderMerge<T extends { readonly position: number }> {
  private readonly queues: Queue<T>[];
  private passed = 0;
  private count = 0;

  constructor(
    shards: number,
    private readonly pass: (item: T) => void,
  ) {
    this.queues = Array.from({ length: shards }, () => ({ items: [], head: 0, through: 0 }));
  }

  /** A shard's next items, in log order, all of lines up to `through`; returns how far the merge has passed everything on. */
  add(shard: number, items: readonly T[], through: number): number {
    const queue = this.queues[shard];
    if (queue === undefined) throw new RangeError(`no shard ${shard} of ${this.queues.length}`);
    for (const item of items) queue.items.push(item);
    queue.through = through;
    return this.flush();
  }

  /** How many of a shard's items are held, waiting for the other shards. */
  held(shard: number): number {
    const queue = this.queues[shard];
    return queue === undefined ? 0 : queue.items.length - queue.head;
  }

  /** Every item of a line up to here has been passed on. */
  get through(): number {
    return this.passed;
  }

  /** How many items have been passed on. */
  get passedOn(): number {
    return this.count;
  }

  private flush(): number {
    const through = Math.min(...this.queues.map((queue) => queue.through));
    for (;;) {
      let next: Queue<T> | undefined;
      let nextPosition = Number.POSITIVE_INFINITY;
      for (const queue of this.queues) {
        const head = queue.items[queue.head];
        if (head !== undefined && head.position <= through && head.position < nextPosition) {
          next = queue;
          nextPosition = head.position;
        }
      }
      if (next === undefined) break;
      const item = next.items[next.head] as T;
      next.head += 1;
      if (next.head === next.items.length) {
        next.items = [];
        next.head = 0;
      }
      this.count += 1;
      this.pass(item);
    }
    this.passed = Math.max(this.passed, through);
    return this.passed;
  }
}
