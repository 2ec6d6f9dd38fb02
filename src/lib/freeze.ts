/**
 * Freezing without immer: the library's states are frozen here, so that what it hands out does not
 * depend on how a host configured its own immer (autoFreeze) or whether it loaded immer's plugins.
 */

/** What a frozen collection's writes do. */
export const refuse = (): never => {
  throw new TypeError('this collection is frozen: it cannot be changed');
};

/**
 * Freezes a Map: Object.freeze alone leaves set, delete and clear working on a Map's entries, so
 * they are replaced by ones that refuse.
 */
export function freezeMap<M extends ReadonlyMap<unknown, unknown>>(map: M): M {
  if (Object.isFrozen(map)) return map;
  Object.defineProperties(map, {
    set: { value: refuse },
    delete: { value: refuse },
    clear: { value: refuse },
  });
  return Object.freeze(map);
}

/** Freezes a plain value and every object and array it holds (as decoded events are: no Map, no class). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
