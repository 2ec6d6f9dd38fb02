/**
 * Read-only Maps over entries kept elsewhere (a persistent list of values and an index of their
 * keys): a view of n entries costs the same to make whatever n is, where a frozen copy of the
 * entries costs n. A read model that hands out a Map after every event (the overview's partners)
 * would otherwise copy every entry each time.
 *
 * A view is a Map to every reader that asks for it through its methods: `instanceof Map`, `size`,
 * `get`, `has`, iteration, `forEach`, and every write is refused as on a frozen Map (see freezeMap).
 * What must list or describe its own properties (`Object.keys`, `Object.isFrozen`) makes it a real
 * frozen Map of its entries first, once, and so does Node's `util.inspect`, which looks behind a proxy
 * at its target. As with any proxy, `structuredClone` refuses it: clone its entries. Node's strict
 * deep equality compares two views' entries (through an own symbol property of them); the loose one
 * does not, and neither takes a view for equal to a Map.
 */

import { freezeMap, refuse } from './freeze.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/** A materialised view's entries, an own property that deep equality compares (see materialise). */
const ENTRIES = Symbol('entries');

/** What a map view reads: how many entries, the value of a key (undefined for none: no value is), and the entries in order. */
export type MapSource<K, V> = {
  readonly size: number;
  readonly get: (key: K) => V | undefined;
  readonly entries: () => Iterable<[K, V]>;
};

/** A frozen Map of the source's entries; the source must give the same answers each time it is asked. */
export function mapView<K, V>(source: MapSource<K, V>): ReadonlyMap<K, V> {
  const target = new Map<K, V>();
  let real = false;
  const materialise = (): Map<K, V> => {
    if (!real) {
      real = true;
      for (const [key, value] of source.entries()) target.set(key, value);
      // Node's deep equality takes a proxy for an object, not a Map, and compares its own
      // enumerable properties: the entries, as a Map of them (in any order, as Maps compare).
      Object.defineProperty(target, ENTRIES, { value: freezeMap(new Map(target)), enumerable: true });
      freezeMap(target);
    }
    return target;
  };
  function* entries(): IterableIterator<[K, V]> {
    for (const [key, value] of source.entries()) yield [key, value];
  }
  function* keys(): IterableIterator<K> {
    for (const [key] of source.entries()) yield key;
  }
  function* values(): IterableIterator<V> {
    for (const [, value] of source.entries()) yield value;
  }
  const methods: Record<string | symbol, unknown> = {
    get: (key: K) => source.get(key),
    has: (key: K) => source.get(key) !== undefined,
    entries,
    keys,
    values,
    [Symbol.iterator]: entries,
    forEach(each: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
      for (const [key, value] of source.entries()) each.call(thisArg, value, key, view);
    },
    // The very functions freezeMap puts on the Map: once it is made real, a proxy may not say otherwise.
    set: refuse,
    delete: refuse,
    clear: refuse,
  };
  Object.defineProperty(target, INSPECT, {
    enumerable: false,
    // Shown as the Map of its entries, without the property deep equality reads.
    value: () => new Map(materialise()),
  });
  const view = new Proxy(target, {
    get(_, key) {
      if (key === 'size') return source.size;
      if (Object.hasOwn(methods, key)) return methods[key];
      return Reflect.get(target, key, target);
    },
    has: (_, key) => Reflect.has(target, key),
    // Writes fail as on a frozen object (a TypeError in strict code).
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
    setPrototypeOf: () => false,
    ownKeys: () => Reflect.ownKeys(materialise()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(materialise(), key),
    isExtensible: () => Object.isExtensible(materialise()),
    preventExtensions: () => !Object.isExtensible(materialise()),
  }) as ReadonlyMap<K, V>;
  return view;
}
