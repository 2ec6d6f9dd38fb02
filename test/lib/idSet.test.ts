import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/lib/idSet.js';

/** Ids of every kind an IdSet must tell apart: Latin-1, wider characters, long ones it keeps aside. */
const anyId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.constantFrom('use-0001-1', 'use-0001-10', 'é', 'ü', 'ÿ', '日本', '🎉', 'a\u0100', ''),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 130 }),
);
const anyValue = fc.oneof(anyId, fc.constantFrom<unknown>(1, null, undefined, 'x'.repeat(200)));

describe('IdSet', () => {
  it('property: after any adds it answers has, size, add and keys as a Set of the same ids does', () => {
    fc.assert(
      fc.property(
        fc.array(anyValue, { maxLength: 300 }),
        fc.array(anyValue, { maxLength: 50 }),
        (adds, probes) => {
          const ids = new IdSet();
          const model = new Set<unknown>();
          for (const id of adds)
            expect(ids.add(id as string)).toBe(!model.has(id) && model.add(id) !== undefined);
          expect(ids.size).toBe(model.size);
          for (const id of [...adds, ...probes]) expect(ids.has(id)).toBe(model.has(id));
          expect(new Set(ids.keys())).toEqual(model);
          expect([...ids]).toHaveLength(model.size);
        },
      ),
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
