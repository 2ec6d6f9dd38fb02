import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentList } from '../../src/lib/persistentList.js';

type Op = { kind: 'insert' | 'set'; at: number; value: number };

const ops = fc.array(
  fc.record({ kind: fc.constantFrom('insert' as const, 'set' as const), at: fc.nat(), value: fc.integer() }),
  { maxLength: 400 },
);

/** Every version the operations make, each with the array it must read as. */
function versions(steps: readonly Op[]): { list: PersistentList<number>; model: number[] }[] {
  let list = PersistentList.empty<number>();
  let model: number[] = [];
  const made = [{ list, model }];
  for (const { kind, at, value } of steps) {
    if (kind === 'set' && model.length === 0) continue;
    const index = at % (model.length + (kind === 'insert' ? 1 : 0));
    model = [...model];
    if (kind === 'insert') {
      list = list.insert(index, value);
      model.splice(index, 0, value);
    } else {
      list = list.set(index, value);
      model[index] = value;
    }
    made.push({ list, model });
  }
  return made;
}

describe('PersistentList: a list that set and insert leave as it was', () => {
  it('property: every version reads as the array of its own operations, after any made later', () => {
    fc.assert(
      fc.property(ops, (steps) => {
        for (const { list, model } of versions(steps)) {
          expect(list.size).toBe(model.length);
          expect([...list]).toEqual(model);
          expect(model.map((_, i) => list.at(i))).toEqual(model);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: in a list kept in order, locate finds an item, or where it would go', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 500 }),
        fc.integer({ min: -1, max: 2001 }),
        (items, sought) => {
          let list = PersistentList.empty<number>();
          const sorted: number[] = [];
          for (const item of items) {
            const { index, found } = list.locate((x) => x - item);
            if (found !== undefined) continue;
            list = list.insert(index, item);
            sorted.splice(index, 0, item);
          }
          expect(sorted).toEqual([...new Set(items)].sort((a, b) => a - b));
          expect([...list]).toEqual(sorted);
          const { index, found } = list.locate((x) => x - sought);
          const expected = sorted.findIndex((x) => x >= sought);
          expect(index).toBe(expected < 0 ? sorted.length : expected);
          expect(found).toBe(sorted.includes(sought) ? sought : undefined);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('given thousands of inserts and sets anywhere (a tree three levels deep), then each kept version reads as its array', () => {
    const steps: Op[] = [];
    for (let i = 0; i < 6000; i++)
      steps.push({ kind: i % 3 === 2 ? 'set' : 'insert', at: (i * 7919) % 104729, value: i });
    const made = versions(steps);
    for (const { list, model } of made.filter((_, i) => i % 500 === 0 || i === made.length - 1)) {
      expect([...list]).toEqual(model);
      expect(model.map((_, i) => list.at(i))).toEqual(model);
    }
  });

  it('given the empty list, then it has no items and locate puts anything first', () => {
    const empty = PersistentList.empty<string>();
    expect(empty.size).toBe(0);
    expect([...empty]).toEqual([]);
    expect(empty.locate(() => 1)).toEqual({ index: 0, found: undefined });
  });
});
