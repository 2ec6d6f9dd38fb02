/**
 * Read-only arrays over items kept elsewhere (the first items of a list that is only ever appended
 * to, the items of a persistent list): a view of n items costs the same to make whatever n is, where
 * a frozen copy of the items costs n. A read model that hands out a view after every event (the
 * reconciliation's lines, the invoice's) would otherwise copy its whole history each time.
 *
 * A view is an array to every reader: `Array.isArray`, indexing, `length`, iteration, the array
 * methods and `JSON.stringify` see its n items, and every write is refused as on a frozen array.
 * What must list or describe its own properties (`Object.keys`, `Object.isFrozen`, `Object.freeze`,
 * a deep equality) makes it a real frozen array of its items first, once: that costs n, as the
 * question does. Node's `util.inspect` looks behind a proxy at its target, which it makes real too.
 */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

const indexOf = (key: string | symbol, length: number): number | undefined => {
  if (typeof key !== 'string') return undefined;
  const index = Number(key);
  return Number.isInteger(index) && index >= 0 && index < length && String(index) === key ? index : undefined;
};

/** A frozen view of `items[0 .. length)`. The caller appends to `items` only after position `length`. */
export const prefixView = <T>(items: readonly T[], length: number): readonly T[] =>
  arrayView(length, (index) => items[index] as T);

/**
 * A frozen array of `length` items, the item at an index being `itemAt(index)`, which must give the
 * same item each time it is asked.
 */
export function arrayView<T>(length: number, itemAt: (index: number) => T): readonly T[] {
  const target: T[] = [];
  let real = false;
  /** Fills the target with the items and freezes it: from then on it is the view, and the proxy defers to it. */
  const materialise = (): T[] => {
    if (!real) {
      real = true;
      for (let i = 0; i < length; i++) target.push(itemAt(i));
      Object.freeze(target);
    }
    return target;
  };
  Object.defineProperty(target, INSPECT, {
    enumerable: false,
    value(this: unknown) {
      materialise();
      return this;
    },
  });
  return new Proxy(target, {
    get(_, key, receiver) {
      if (real) return Reflect.get(target, key, receiver);
      if (key === 'length') return length;
      const index = indexOf(key, length);
      return index === undefined ? Reflect.get(target, key, receiver) : itemAt(index);
    },
    has(_, key) {
      if (real) return Reflect.has(target, key);
      return indexOf(key, length) !== undefined || Reflect.has(target, key);
    },
    // Writes fail as on a frozen array (a TypeError in strict code); once real, the frozen target answers.
    set: (_, key, value, receiver) => real && Reflect.set(target, key, value, receiver),
    deleteProperty: (_, key) => real && Reflect.deleteProperty(target, key),
    defineProperty: (_, key, descriptor) => real && Reflect.defineProperty(target, key, descriptor),
    setPrototypeOf: (_, prototype) => real && Reflect.setPrototypeOf(target, prototype),
    ownKeys: () => Reflect.ownKeys(materialise()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(materialise(), key),
    isExtensible: () => Object.isExtensible(materialise()),
    preventExtensions: () => !Object.isExtensible(materialise()),
  });
}
