/**
 * A list that is never changed: `set` and `insert` give a new list and leave this one as it was,
 * sharing all but the path to the item they change. A read model that hands out a view after every
 * event (the invoice's lines, the overview's partners) makes each view from the one before at the
 * cost of that path, however many items there are, where a copy of the items would cost them all.
 *
 * It is a B+ tree of nodes of at most WIDTH items or children, each branch knowing its size (for
 * `at`) and its last item (for `locate`, over a list kept in some order).
 */

const WIDTH = 32;

type Leaf<T> = { readonly leaf: true; readonly items: readonly T[] };
type Branch<T> = {
  readonly leaf: false;
  readonly children: readonly Node<T>[];
  readonly size: number;
  readonly last: T;
};
type Node<T> = Leaf<T> | Branch<T>;

const sizeOf = <T>(node: Node<T>): number => (node.leaf ? node.items.length : node.size);
const lastOf = <T>(node: Node<T>): T => (node.leaf ? (node.items[node.items.length - 1] as T) : node.last);

function branchOf<T>(children: readonly Node<T>[]): Branch<T> {
  let size = 0;
  for (const child of children) size += sizeOf(child);
  return { leaf: false, children, size, last: lastOf(children[children.length - 1] as Node<T>) };
}

/** The child of a branch that holds position `index`, and the position within it. */
function childAt<T>(branch: Branch<T>, index: number): [number, number] {
  const { children } = branch;
  let k = 0;
  for (; k < children.length - 1; k++) {
    const size = sizeOf(children[k] as Node<T>);
    if (index < size) break;
    index -= size;
  }
  return [k, index];
}

function setAt<T>(node: Node<T>, index: number, item: T): Node<T> {
  if (node.leaf) {
    const items = node.items.slice();
    items[index] = item;
    return { leaf: true, items };
  }
  const [k, within] = childAt(node, index);
  const children = node.children.slice();
  children[k] = setAt(children[k] as Node<T>, within, item);
  return branchOf(children);
}

/** The node with `item` put at `index`: one node, or two when it outgrew WIDTH. */
function insertAt<T>(node: Node<T>, index: number, item: T): Node<T>[] {
  if (node.leaf) {
    const items = node.items.slice();
    items.splice(index, 0, item);
    if (items.length <= WIDTH) return [{ leaf: true, items }];
    const half = items.length >>> 1;
    return [
      { leaf: true, items: items.slice(0, half) },
      { leaf: true, items: items.slice(half) },
    ];
  }
  const [k, within] = childAt(node, index);
  const children = node.children.slice();
  children.splice(k, 1, ...insertAt(children[k] as Node<T>, within, item));
  if (children.length <= WIDTH) return [branchOf(children)];
  const half = children.length >>> 1;
  return [branchOf(children.slice(0, half)), branchOf(children.slice(half))];
}

export class PersistentList<T> implements Iterable<T> {
  static readonly #EMPTY: PersistentList<never> = new PersistentList({ leaf: true, items: [] });
  readonly #root: Node<T>;

  private constructor(root: Node<T>) {
    this.#root = root;
    Object.freeze(this);
  }

  static empty<T>(): PersistentList<T> {
    return PersistentList.#EMPTY;
  }

  get size(): number {
    return sizeOf(this.#root);
  }

  /** The item at `index`, which must be below `size`. */
  at(index: number): T {
    let node = this.#root;
    while (!node.leaf) {
      const [k, within] = childAt(node, index);
      node = node.children[k] as Node<T>;
      index = within;
    }
    return node.items[index] as T;
  }

  /** A list with `item` at `index` (below `size`) in place of the one there. */
  set(index: number, item: T): PersistentList<T> {
    return new PersistentList(setAt(this.#root, index, item));
  }

  /** A list with `item` put before the one at `index` (`size`: last). */
  insert(index: number, item: T): PersistentList<T> {
    const nodes = insertAt(this.#root, index, item);
    return new PersistentList(nodes.length === 1 ? (nodes[0] as Node<T>) : branchOf(nodes));
  }

  /**
   * In a list ordered by `compare` (negative for an item that comes before what is sought, zero for
   * the item sought), where it is or would go, and the item there when it is the one sought.
   */
  locate(compare: (item: T) => number): { readonly index: number; readonly found: T | undefined } {
    let node = this.#root;
    let index = 0;
    while (!node.leaf) {
      const { children } = node;
      let k = 0;
      for (; k < children.length - 1; k++) {
        const child = children[k] as Node<T>;
        if (compare(lastOf(child)) >= 0) break;
        index += sizeOf(child);
      }
      node = children[k] as Node<T>;
    }
    const { items } = node;
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(items[middle] as T) < 0) low = middle + 1;
      else high = middle;
    }
    const item = items[low];
    return { index: index + low, found: low < items.length && compare(item as T) === 0 ? item : undefined };
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const stack: Node<T>[] = [this.#root];
    for (let node = stack.pop(); node !== undefined; node = stack.pop())
      if (node.leaf) yield* node.items;
      else for (let k = node.children.length - 1; k >= 0; k--) stack.push(node.children[k] as Node<T>);
  }
}
