import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordMap } from '../../src/lib/recordMap.js';

/** One step on one of several maps that copy each other: a write, a delete, a copy, or a freeze. */
type Step =
  | { readonly op: 'set'; readonly map: number; readonly key: string; readonly value: number }
  | { readonly op: 'delete'; readonly map: number; readonly key: string }
  | { readonly op: 'copy'; readonly map: number }
  | { readonly op: 'freeze'; readonly map: number };

// Few keys, so that sets hit keys already there; more than a chunk of them now and then.
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd'),
  fc.integer({ min: 0, max: 150 }).map((n) => `k${n}`),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constant('set' as const), map: fc.nat(), key, value: fc.integer() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), map: fc.nat(), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('copy' as const), map: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('freeze' as const), map: fc.nat() }) },
);

const contents = (map: ReadonlyMap<string, number>) => ({
  size: map.size,
  entries: [...map],
  keys: [...map.keys()],
  values: [...map.values()],
});

describe('RecordMap', () => {
  it('property: maps that copy one another each answer as a Map given the same writes would, and a frozen one refuses writes and never changes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), fc.array(key, { maxLength: 20 }), (steps, probes) => {
        const maps: RecordMap<number>[] = [new RecordMap()];
        const models: Map<string, number>[] = [new Map()];
        // Keys in the order first set: a RecordMap iterates in it (a key deleted and set again keeps its place).
        const orders: string[][] = [[]];
        for (const s of steps) {
          const i = s.map % maps.length;
          const map = maps[i] as RecordMap<number>;
          const model = models[i] as Map<string, number>;
          const frozen = Object.isFrozen(map);
          if (s.op === 'copy') {
            maps.push(map.copy());
            models.push(new Map(model));
            orders.push([...(orders[i] as string[])]);
          } else if (s.op === 'freeze') map.freeze();
          else if (frozen) {
            const write = s.op === 'set' ? () => map.set(s.key, s.value) : () => map.delete(s.key);
            expect(write).toThrow('frozen');
          } else if (s.op === 'set') {
            const order = orders[i] as string[];
            if (!order.includes(s.key)) order.push(s.key);
            model.set(s.key, s.value);
            expect(map.set(s.key, s.value)).toBe(map);
          } else expect(map.delete(s.key)).toBe(model.delete(s.key));
        }
        maps.forEach((map, i) => {
          const model = models[i] as Map<string, number>;
          const keys = (orders[i] as string[]).filter((k) => model.has(k));
          expect(contents(map)).toEqual({
            size: model.size,
            entries: keys.map((k) => [k, model.get(k)]),
            keys,
            values: keys.map((k) => model.get(k)),
          });
          for (const probe of probes) {
            expect(map.has(probe)).toBe(model.has(probe));
            expect(map.get(probe)).toBe(model.get(probe));
          }
          const seen: [string, number][] = [];
          map.forEach((value, k, self) => {
            expect(self).toBe(map);
            seen.push([k, value]);
          });
          expect(seen).toEqual([...map.entries()]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('given keys set in an order, then it iterates them in that order, a value set again keeping its place, as a Map does', () => {
    const map = new RecordMap<number>([
      ['b', 1],
      ['a', 2],
    ]);
    map.set('c', 3).set('b', 4);
    expect(contents(map)).toEqual({
      size: 3,
      entries: [
        ['b', 4],
        ['a', 2],
        ['c', 3],
      ],
      keys: ['b', 'a', 'c'],
      values: [4, 2, 3],
    });
  });

  it('given a frozen map of 1,000 records, when a copy changes one, then the copy shares every other record and the frozen map is as it was', () => {
    const records = Array.from({ length: 1_000 }, (_, i) => [`s${i}`, { n: i }] as const);
    const before = new RecordMap(records).freeze();
    const after = before.copy();
    after.set('s500', { n: -1 });
    expect(before.get('s500')).toEqual({ n: 500 });
    expect(after.get('s500')).toEqual({ n: -1 });
    expect(records.every(([id, record]) => id === 's500' || after.get(id) === record)).toBe(true);
    expect([...before.keys()]).toEqual([...after.keys()]);
  });
});
