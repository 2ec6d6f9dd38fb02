import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idHash, IdSet, type IdsBelow } from '../../src/lib/idSet.js';

/** Ids of every kind an IdSet must tell apart: Latin-1, wider characters, long ones it keeps aside. */
const anyId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.constantFrom('use-0001-1', 'use-0001-10', 'é', 'ü', 'ÿ', '日本', '🎉', 'a\u0100', ''),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 130 }),
);
const anyValue = fc.oneof(anyId, fc.constantFrom<unknown>(1, null, undefined, 'x'.repeat(200)));

/** Ids to add, then ids to add or ask about after them: the two arrays each property takes. */
const addsThenMore = <T>(id: fc.Arbitrary<T>, adds: number, more: number) =>
  fc.tuple(fc.array(id, { maxLength: adds }), fc.array(id, { maxLength: more }));

describe('IdSet', () => {
  it('property: after any adds it answers has, size, add and keys as a Set of the same ids does', () => {
    fc.assert(
      fc.property(addsThenMore(anyValue, 300, 50), ([adds, probes]) => {
        const ids = new IdSet();
        const model = new Set<unknown>();
        for (const id of adds)
          expect(ids.add(id as string)).toBe(!model.has(id) && model.add(id) !== undefined);
        expect(ids.size).toBe(model.size);
        for (const id of [...adds, ...probes]) expect(ids.has(id)).toBe(model.has(id));
        expect(new Set(ids.keys())).toEqual(model);
        expect([...ids]).toHaveLength(model.size);
      }),
    );
  });

  it('given enough ids to grow its table many times, then each one is found and no other', () => {
    const ids = new IdSet();
    for (let i = 0; i < 20_000; i++) ids.add(`use-${i}`);
    expect(ids.size).toBe(20_000);
    for (let i = 0; i < 20_000; i++) expect(ids.has(`use-${i}`)).toBe(true);
    expect(ids.has('use-20000')).toBe(false);
    expect(ids.has('use-0')).toBe(true);
    expect([...ids.keys()].slice(0, 3)).toEqual(['use-0', 'use-1', 'use-2']);
  });

  it('given a copy of a set of many pages of ids, then each takes new ids without the other seeing them', () => {
    const original = new IdSet(Array.from({ length: 2000 }, (_, i) => `id-${i}`));
    const copy = original.copy();
    for (let i = 0; i < 500; i++) {
      original.add(`original-${i}`);
      copy.add(`copy-${i}`);
    }
    expect([original.size, copy.size]).toEqual([2500, 2500]);
    expect([original.has('copy-7'), copy.has('original-7')]).toEqual([false, false]);
    expect([original.has('id-1999'), copy.has('id-1999'), copy.has('copy-499')]).toEqual([true, true, true]);
    expect([...copy].slice(1998, 2001)).toEqual(['id-1998', 'id-1999', 'copy-0']);
  });

  it('given a frozen set, then add refuses as a frozen Set does, and a copy takes ids without changing it', () => {
    const frozen = Object.freeze(new IdSet(['a', 'b']));
    expect(() => frozen.add('c')).toThrow('frozen');
    const copy = frozen.copy();
    expect(copy.add('c')).toBe(true);
    expect(copy.has('c')).toBe(true);
    expect(frozen.has('c')).toBe(false);
    expect([...frozen]).toEqual(['a', 'b']);
  });
});

describe('IdSet copies share what their originals hold', () => {
  type Step = { readonly kind: 'copy' | 'add' | 'freeze'; readonly of: number; readonly id: string };
  const step = fc.record({
    kind: fc.constantFrom<Step['kind']>('copy', 'add', 'add', 'add', 'freeze'),
    of: fc.nat(),
    id: anyId,
  });

  it('property: in any tree of copies, each set answers has, size and keys as a Set of its own ids does', () => {
    fc.assert(
      fc.property(fc.array(anyId, { maxLength: 40 }), fc.array(step, { maxLength: 200 }), (seed, steps) => {
        const sets = [new IdSet(seed)];
        const models = [new Set<unknown>(seed)];
        for (const { kind, of, id } of steps) {
          const at = of % sets.length;
          const set = sets[at] as IdSet;
          const model = models[at] as Set<unknown>;
          if (kind === 'freeze') Object.freeze(set);
          else if (kind === 'copy') {
            sets.push(set.copy());
            models.push(new Set(model));
          } else if (Object.isFrozen(set)) expect(() => set.add(id)).toThrow('frozen');
          else expect(set.add(id)).toBe(!model.has(id) && model.add(id) !== undefined);
        }
        const probes = [...seed, ...steps.map(({ id }) => id)];
        sets.forEach((set, i) => {
          const model = models[i] as Set<unknown>;
          expect(set.size).toBe(model.size);
          for (const id of probes) expect(set.has(id)).toBe(model.has(id));
          expect(new Set(set)).toEqual(model);
          expect([...set]).toHaveLength(model.size);
        });
      }),
    );
  });

  it('given two copies of one large set, each past many table growths, then neither sees the other’s ids', () => {
    const base = Object.freeze(new IdSet(Array.from({ length: 5000 }, (_, i) => `id-${i}`)));
    const first = base.copy();
    const second = base.copy();
    for (let i = 0; i < 20_000; i++) first.add(`first-${i}`);
    for (let i = 0; i < 3000; i++) second.add(`second-${i}`);
    expect([base.size, first.size, second.size]).toEqual([5000, 25_000, 8000]);
    expect([base.has('first-0'), base.has('second-0'), second.has('first-19999')]).toEqual([
      false,
      false,
      false,
    ]);
    expect([first.has('id-4999'), second.has('id-4999'), first.has('second-2999')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([...second].slice(4999, 5001)).toEqual(['id-4999', 'second-0']);
    expect([...base].at(-1)).toBe('id-4999');
  });
});

/** Ordinary ids kept elsewhere, as a resume file's extents are: asked with each id's hash, which it checks. */
function idsBelow(ids: Iterable<string>): IdsBelow & { readonly asked: string[] } {
  const held = [...new Set(ids)].filter((id) => id.length > 0 && id.length <= 128);
  const set = new Set(held);
  const asked: string[] = [];
  return {
    asked,
    size: set.size,
    byteLength: 100,
    has: (id, hash) => {
      expect(hash).toBe(idHash(id));
      asked.push(id);
      return set.has(id);
    },
    keys: () => held[Symbol.iterator](),
  };
}

describe('IdSet.over: a set over ids kept elsewhere', () => {
  it('property: with any adds, and copies of it, each set answers has, size, add and keys as a Set of the ids below and its own does; its own keys are those added, in order; packed holds them all', () => {
    fc.assert(
      fc.property(
        fc.array(anyId, { maxLength: 60 }),
        addsThenMore(anyValue, 80, 30),
        (below, [adds, probes]) => {
          const kept = idsBelow(below);
          const set = IdSet.over(kept);
          const model = new Set<unknown>(kept.keys());
          const own: string[] = [];
          for (const id of adds) {
            const added = !model.has(id);
            expect(set.add(id as string)).toBe(added);
            if (added) {
              model.add(id);
              if (typeof id === 'string' && id.length > 0 && id.length <= 128) own.push(id);
            }
          }
          const copy = set.copy();
          for (const ids of [set, copy]) {
            expect(ids.size).toBe(model.size);
            for (const id of [...adds, ...probes, ...below]) expect(ids.has(id)).toBe(model.has(id));
            expect(new Set(ids.keys())).toEqual(model);
            expect([...ids.ownKeys()]).toEqual(own);
            expect(ids.below).toBe(kept);
          }
          expect(set.packed()).toEqual(new IdSet([...kept.keys(), ...own]).packed());
        },
      ),
    );
  });

  it('given an id below it, then add answers false and keeps no copy of it; the ids below are asked only about ordinary ids', () => {
    const kept = idsBelow(['u1', 'u2']);
    const set = IdSet.over(kept);
    expect(set.add('u1')).toBe(false);
    expect(set.add('u3')).toBe(true);
    expect([...set.ownKeys()]).toEqual(['u3']);
    expect(set.has('x'.repeat(200))).toBe(false);
    expect(kept.asked).toEqual(['u1', 'u3']);
    expect(set.size).toBe(3);
    expect(Object.freeze(set).has('u2')).toBe(true);
  });
});
