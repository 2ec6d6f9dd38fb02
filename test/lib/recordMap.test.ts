import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordMap, UNREAD, type RecordSource } from '../../src/lib/recordMap.js';

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

/** A source of these records that counts what it is asked for. */
function sourceOf(records: readonly (readonly [string, number])[]) {
  const asked = { keys: 0, values: [] as number[] };
  const source: RecordSource<number> = {
    count: records.length,
    keys: () => {
      asked.keys += 1;
      return new Map(records.map(([k], ordinal) => [k, ordinal]));
    },
    value: (ordinal) => {
      asked.values.push(ordinal);
      return (records[ordinal] as readonly [string, number])[1];
    },
  };
  return { source, asked };
}
const initial = fc.option(
  fc.uniqueArray(fc.tuple(key, fc.integer()), { selector: ([k]) => k, maxLength: 150 }),
  { nil: undefined },
);

describe('RecordMap', () => {
  it('property: maps that copy one another, from an empty one or one made over a source, each answer as a Map given the same writes would, and a frozen one refuses writes and never changes', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 400 }),
        fc.array(key, { maxLength: 20 }),
        initial,
        (steps, probes, start) => {
          const first =
            start === undefined ? new RecordMap<number>() : RecordMap.over(sourceOf(start).source);
          const maps: RecordMap<number>[] = [first];
          const models: Map<string, number>[] = [new Map(start)];
          // Keys in the order first set: a RecordMap iterates in it (a key deleted and set again keeps its place).
          const orders: string[][] = [(start ?? []).map(([k]) => k)];
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
            // What changed since the source: every slot not yielded, or yielded UNREAD, is the source's.
            const written = new Map(map.writtenSlots());
            const ordinals = [...map.slots()].map(([k, ordinal]) => [k, ordinal] as const);
            for (const [k, ordinal] of ordinals) {
              const slot = written.get(ordinal);
              if (slot === undefined || slot === UNREAD)
                expect(model.get(k)).toBe(new Map(start ?? []).get(k));
              else expect(slot).toBe(model.get(k));
            }
            const deleted = [...written.values()].filter((slot) => slot === null).length;
            expect(map.size).toBe(new Set([...ordinals.map(([, o]) => o), ...written.keys()]).size - deleted);
          });
        },
      ),
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

  it('given a map made over a source, then it asks for the keys on its first read, once for it and its copies, and for the value of a key only when that key is read', () => {
    const records = Array.from({ length: 100 }, (_, i) => [`r${i}`, i] as const);
    const { source, asked } = sourceOf(records);
    const map = RecordMap.over(source).freeze();
    const copy = map.copy();
    expect([map.size, copy.size, asked.keys, asked.values]).toEqual([100, 100, 0, []]);
    expect(copy.get('r70')).toBe(70);
    expect([map.has('r3'), map.has('nope'), asked.keys, asked.values]).toEqual([true, false, 1, [70]]);
    expect([...copy.slots()].filter(([, , value]) => value !== UNREAD)).toEqual([]);
    // A source keeps what it decoded: asked again, it answers the same value.
    expect(map.get('r70')).toBe(70);
    expect(asked.values).toEqual([70, 70]);
  });

  it('holds its source as it was until a key is set or deleted in it, or in the map it was copied from', () => {
    const { source } = sourceOf([
      ['a', 1],
      ['b', 2],
    ]);
    const map = RecordMap.over(source);
    const copy = map.copy();
    expect([map.holdsSource, copy.holdsSource, map.source]).toEqual([true, true, source]);
    copy.set('c', 3);
    expect([map.holdsSource, copy.holdsSource, copy.copy().holdsSource]).toEqual([true, false, false]);
    expect([...copy.slots()]).toEqual([
      ['a', 0, UNREAD],
      ['b', 1, UNREAD],
      ['c', 2, 3],
    ]);
    expect([...copy]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect([new RecordMap().holdsSource, new RecordMap().source]).toEqual([false, undefined]);
  });

  it('given a source whose keys or values throw, then the read throws it, and a later read asks again', () => {
    let fail = true;
    const source: RecordSource<number> = {
      count: 1,
      keys: () => {
        if (fail) throw new Error('no keys');
        return new Map([['a', 0]]);
      },
      value: () => {
        throw new Error('no value');
      },
    };
    const map = RecordMap.over(source).freeze();
    expect(() => map.get('a')).toThrow('no keys');
    fail = false;
    expect(map.has('a')).toBe(true);
    expect(() => map.get('a')).toThrow('no value');
    expect(() => [...map.values()]).toThrow('no value');
  });
});
