import fc from 'fast-check';
import { inspect, isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mapView } from '../../src/lib/mapView.js';

/** A view of the first `size` entries of a list of pairs that later entries are appended to. */
function viewOf(pairs: [string, number][], size: number): ReadonlyMap<string, number> {
  return mapView({
    size,
    get: (key) => pairs.slice(0, size).find(([k]) => k === key)?.[1],
    entries: () => pairs.slice(0, size),
  });
}

describe('mapView: a frozen Map over entries kept elsewhere', () => {
  it('property: it reads as the Map of its entries, through every method', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 20 }), fc.nat(), (keys, cut) => {
        const pairs = keys.map((key, i): [string, number] => [key, i]);
        const size = cut % (pairs.length + 1);
        const view = viewOf(pairs, size);
        const map = new Map(pairs.slice(0, size));
        expect(view instanceof Map).toBe(true);
        expect(view.size).toBe(size);
        expect(view).toEqual(map);
        expect([...view.keys()]).toEqual([...map.keys()]);
        expect([...view.values()]).toEqual([...map.values()]);
        const seen: [string, number][] = [];
        view.forEach((value, key, whole) => {
          expect(whole).toBe(view);
          seen.push([key, value]);
        });
        expect(seen).toEqual([...map]);
        for (const key of keys) {
          expect(view.has(key)).toBe(map.has(key));
          expect(view.get(key)).toBe(map.get(key));
        }
      }),
    );
  });

  it('given a view, then every write is refused and it is frozen', () => {
    const view = viewOf([['a', 1]], 1) as Map<string, number>;
    expect(() => view.set('b', 2)).toThrow(TypeError);
    expect(() => view.delete('a')).toThrow(TypeError);
    expect(() => view.clear()).toThrow(TypeError);
    expect(() => Map.prototype.set.call(view, 'b', 2)).toThrow(TypeError);
    expect(() => Object.defineProperty(view, 'x', { value: 1 })).toThrow(TypeError);
    expect(Object.isFrozen(view)).toBe(true);
    expect([...view]).toEqual([['a', 1]]);
  });

  it('given a view whose properties were listed (which makes it a real frozen Map), then its writes are still read and refused alike', () => {
    const view = viewOf([['a', 1]], 1) as Map<string, number>;
    expect(Object.keys(view)).toEqual([]);
    expect(typeof view.set).toBe('function');
    expect(() => view.set('b', 2)).toThrow('this collection is frozen');
    expect(() => view.clear()).toThrow('this collection is frozen');
    expect(view.get('a')).toBe(1);
  });

  it('given a view, then util.inspect shows its entries', () => {
    expect(inspect(viewOf([['a', 1]], 1))).toBe("Map(1) { 'a' => 1 }");
  });

  it("given two views, then Node's strict deep equality compares their entries (a proxy is no Map to it)", () => {
    const pairs: [string, number][] = [
      ['a', 1],
      ['b', 2],
    ];
    expect(isDeepStrictEqual(viewOf(pairs, 1), viewOf([['z', 9]], 1))).toBe(false);
    expect(isDeepStrictEqual(viewOf(pairs, 1), viewOf(pairs, 2))).toBe(false);
    expect(isDeepStrictEqual(viewOf(pairs, 2), viewOf([...pairs], 2))).toBe(true);
    // In any order, as Maps compare.
    expect(isDeepStrictEqual(viewOf(pairs, 2), viewOf([...pairs].reverse(), 2))).toBe(true);
  });
});
