import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { prefixView } from '../../src/lib/prefixView.js';

describe('prefixView: a frozen array of the first n items of an append-only list', () => {
  it('property: it reads as the prefix it was made at, whatever is appended after', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.nat(), fc.array(fc.integer()), (items, cut, more) => {
        const length = cut % (items.length + 1);
        const list = [...items];
        const view = prefixView(list, length);
        list.push(...more);
        const prefix = items.slice(0, length);
        expect(view.length).toBe(length);
        expect([...view]).toEqual(prefix);
        expect(JSON.stringify(view)).toBe(JSON.stringify(prefix));
        expect(view.map((n) => n)).toEqual(prefix);
        expect(view[length]).toBeUndefined();
        expect(length in view).toBe(false);
        expect(view).toEqual(prefix);
      }),
    );
  });

  it('given a view, then it is an array to Array.isArray, deep equality and util.inspect', () => {
    const view = prefixView(['a', 'b', 'c'], 2);
    expect(Array.isArray(view)).toBe(true);
    expect(view).toStrictEqual(['a', 'b']);
    expect(inspect(view)).toBe("[ 'a', 'b' ]");
  });

  it('given a view, then every write is refused and it is frozen', () => {
    const list = [1, 2, 3];
    const view = prefixView(list, 2) as number[];
    expect(() => view.push(4)).toThrow(TypeError);
    expect(() => {
      view[0] = 9;
    }).toThrow(TypeError);
    expect(() => Object.defineProperty(view, 'x', { value: 1 })).toThrow(TypeError);
    expect(Reflect.deleteProperty(view, '0')).toBe(false);
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => view.pop()).toThrow(TypeError);
    expect([...view]).toEqual([1, 2]);
    expect(list).toEqual([1, 2, 3]);
  });

  it('given Object.freeze on a view, then it stays the same frozen view', () => {
    const view = prefixView([1, 2, 3], 3);
    expect(Object.freeze(view)).toBe(view);
    expect(Object.isFrozen(view)).toBe(true);
    expect([...view]).toEqual([1, 2, 3]);
  });
});
