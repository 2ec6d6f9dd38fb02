/**
 * Appends every item to `target`, in order. Not `target.push(...items)`: that passes one argument per
 * item, and a call of a hundred thousand or so arguments overflows the stack.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
