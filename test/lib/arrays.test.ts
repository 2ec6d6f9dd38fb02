import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSorted } from '../../src/lib/arrays.js';

type Item = { readonly key: number; readonly list: number; readonly index: number };
const byKey = (a: Item, b: Item): number => a.key - b.key;

/** Lists of items each sorted by key, with keys that repeat within and across lists. */
const sortedLists = fc
  .array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 12 }), { maxLength: 5 })
  .map((lists) =>
    lists.map((keys, list) => [...keys].sort((a, b) => a - b).map((key, index) => ({ key, list, index }))),
  );

describe('mergeSorted: lists each in one order, merged into it', () => {
  it('property: gives what a stable sort of the lists laid end to end gives, ties in the order of their lists', () => {
    fc.assert(
      fc.property(sortedLists, (lists) => {
        expect(mergeSorted(lists, byKey)).toEqual(lists.flat().sort(byKey));
      }),
    );
  });

  it('given no lists, gives none; given one, gives a copy of it', () => {
    expect(mergeSorted([], byKey)).toEqual([]);
    const only = [{ key: 1, list: 0, index: 0 }];
    const merged = mergeSorted([only], byKey);
    expect(merged).toEqual(only);
    expect(merged).not.toBe(only);
  });
});
