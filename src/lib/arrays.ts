/**
 * Appends every item to `target`, in order. Not `target.push(...items)`: that passes one argument per
 * item, and a call of a hundred thousand or so arguments overflows the stack.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}

/**
 * The items of lists that are each in the order of `compare`, in that order: what a stable sort of
 * the lists laid end to end gives (of equal items, those of an earlier list first), in time linear
 * in the items for a few lists.
 */
export function mergeSorted<T>(lists: readonly (readonly T[])[], compare: (a: T, b: T) => number): T[] {
  let merged: T[] = lists[0]?.slice() ?? [];
  for (let index = 1; index < lists.length; index++) {
    const next = lists[index] as readonly T[];
    if (next.length === 0) continue;
    const both: T[] = new Array<T>(merged.length + next.length);
    let a = 0;
    let b = 0;
    let at = 0;
    while (a < merged.length && b < next.length)
      both[at++] = compare(next[b] as T, merged[a] as T) < 0 ? (next[b++] as T) : (merged[a++] as T);
    while (a < merged.length) both[at++] = merged[a++] as T;
    while (b < next.length) both[at++] = next[b++] as T;
    merged = both;
  }
  return merged;
}
