import type { Finding, FindingSink } from './auditor.js';

/** One shard's findings not yet passed on, oldest first, and how far it has read. */
type Queue = { items: Finding[]; head: number; through: number };

/**
 * Merges the findings of shards into log order as they come. Each shard sends its findings in its own
 * order with how far it has read (`through`: every finding of a line up to there has been sent). A
 * finding is passed on once every shard has read past its line, as no shard can then send one before
 * it; a line's findings are all one shard's, so they stay in rule order. Holds only what the slowest
 * shard has not yet caught up with.
 */
export class FindingsMerge {
  private readonly queues: Queue[];
  private passed = 0;
  private count = 0;

  constructor(
    shards: number,
    private readonly sink: FindingSink,
  ) {
    this.queues = Array.from({ length: shards }, () => ({ items: [], head: 0, through: 0 }));
  }

  /** A shard's next findings, in log order, all of lines up to `through`, which it has read. */
  add(shard: number, findings: readonly Finding[], through: number): void {
    const queue = this.queues[shard];
    if (queue === undefined) throw new RangeError(`no shard ${shard} of ${this.queues.length}`);
    for (const finding of findings) queue.items.push(finding);
    queue.through = through;
    this.flush();
  }

  /** How many of a shard's findings are held, waiting for the other shards. */
  held(shard: number): number {
    const queue = this.queues[shard];
    return queue === undefined ? 0 : queue.items.length - queue.head;
  }

  /** Every finding of a line up to here has been passed on. */
  get through(): number {
    return this.passed;
  }

  /** How many findings have been passed on. */
  get findings(): number {
    return this.count;
  }

  private flush(): void {
    const through = Math.min(...this.queues.map((queue) => queue.through));
    for (;;) {
      let next: Queue | undefined;
      for (const queue of this.queues) {
        const head = queue.items[queue.head];
        if (head !== undefined && head.position <= through) {
          const best = next?.items[next.head];
          if (best === undefined || head.position < best.position) next = queue;
        }
      }
      if (next === undefined) break;
      const finding = next.items[next.head] as Finding;
      next.head += 1;
      if (next.head === next.items.length) {
        next.items = [];
        next.head = 0;
      }
      this.count += 1;
      this.sink(finding);
    }
    this.passed = Math.max(this.passed, through);
  }
}
