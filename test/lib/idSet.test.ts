import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet, type InPlaceIds } from '../../src/lib/idSet.js';

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

describe('IdSet.inPlaceParts and IdSet.inPlace: a set read where its ids are stored', () => {
  /** The parts as a file read would give them: copies, as Buffers (whose slice does not copy). */
  const stored = (set: IdSet): InPlaceIds => {
    const { count, last, pages, places, tags } = set.inPlaceParts();
    return {
      count,
      last,
      pages: pages.map((page) => Buffer.from(page)),
      places: places.slice(),
      tags: Buffer.from(tags),
    };
  };
  const bytesOf = (ids: InPlaceIds) =>
    [ids.places, ids.tags, ...ids.pages].map((part) => Buffer.from(part.buffer.slice(0)));
  const inPlace = (ids: InPlaceIds): IdSet => {
    const set = IdSet.inPlace(ids);
    if (typeof set === 'string') throw new Error(set);
    return set;
  };
  const ordinary = fc.oneof(
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.constantFrom('use-0001-1', 'é', '日本', '🎉', 'a\u0100'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }),
  );

  it('property: it answers has, size and keys as the set it was taken of, and a copy of it takes new ids without writing to the stored bytes', () => {
    fc.assert(
      fc.property(addsThenMore(ordinary, 1500, 200), ([ids, more]) => {
        const original = new IdSet(ids);
        const parts = stored(original);
        const before = bytesOf(parts);
        const read = Object.freeze(inPlace(parts));
        expect(read.size).toBe(original.size);
        expect([...read]).toEqual([...original]);
        for (const id of [...ids, ...more]) expect(read.has(id)).toBe(original.has(id));
        const copy = read.copy();
        const model = new Set(original);
        for (const id of more) expect(copy.add(id)).toBe(model.has(id) ? false : model.add(id) !== undefined);
        expect([...copy]).toEqual([...model]);
        for (const id of [...ids, ...more])
          expect([read.has(id), copy.has(id)]).toEqual([original.has(id), true]);
        expect(bytesOf(parts)).toEqual(before);
        // What the copy stores reads back in place as the copy.
        expect([...inPlace(stored(copy))]).toEqual([...copy]);
      }),
      { numRuns: 150 },
    );
  });

  it('property: given its table, a copy writes its first ids in the table (not in a copy) and never in the pages; the frozen set, and another copy of it, see none of them', () => {
    fc.assert(
      fc.property(
        fc.array(ordinary, { minLength: 1, maxLength: 1500 }),
        fc.array(ordinary, { minLength: 1, maxLength: 200 }),
        fc.array(ordinary, { maxLength: 200 }),
        (ids, more, others) => {
          const original = new IdSet(ids);
          const parts = stored(original);
          const pagesBefore = parts.pages.map((page) => Buffer.from(page));
          const tableBefore = parts.places.slice();
          const set = IdSet.inPlace(parts, { tableGiven: true });
          if (typeof set === 'string') throw new Error(set);
          const read = Object.freeze(set);
          const copy = read.copy();
          const model = new Set(original);
          for (const id of more) copy.add(id);
          for (const id of more) model.add(id);
          const added = model.size - original.size;
          // No growth of the table: the first ids went into the given table itself.
          if (added > 0 && (original.size + added) / parts.places.length <= 0.75)
            expect(parts.places).not.toEqual(tableBefore);
          expect(parts.pages.map((page) => Buffer.from(page))).toEqual(pagesBefore);
          expect([...copy]).toEqual([...model]);
          const another = read.copy();
          const otherModel = new Set(original);
          for (const id of others) {
            another.add(id);
            otherModel.add(id);
          }
          for (const id of [...ids, ...more, ...others]) {
            expect(read.has(id)).toBe(original.has(id));
            expect(copy.has(id)).toBe(model.has(id));
            expect(another.has(id)).toBe(otherModel.has(id));
          }
          expect([...read]).toEqual([...original]);
          expect([...another]).toEqual([...otherModel]);
          expect([...inPlace(stored(copy))]).toEqual([...copy]);
          expect([...inPlace(stored(set))]).toEqual([...original]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('holds no ids for an empty set, and none but the ordinary ones (as packed)', () => {
    expect(inPlace(stored(new IdSet())).size).toBe(0);
    expect([...inPlace(stored(new IdSet(['a', '', 'x'.repeat(200), 'b'])))]).toEqual(['a', 'b']);
  });

  it('refuses what would make a reader loop or read outside the pages: a table with no empty slot or not a power of two, a slot pointing outside or into an id, a last id not ending the pages, a count that is not the table’s or the pages’', () => {
    const parts = stored(new IdSet(Array.from({ length: 40 }, (_, i) => `u${i}`)));
    const slots = parts.places.length;
    const filled = [...parts.places].filter((place) => place !== 0).length;
    const withPlaces = (edit: (places: Uint32Array) => void) => {
      const places = parts.places.slice();
      edit(places);
      return { ...parts, places };
    };
    expect(IdSet.inPlace({ ...parts, count: slots })).toMatch('one at least must be empty');
    expect(
      IdSet.inPlace({ ...parts, places: parts.places.subarray(0, 48), tags: parts.tags.subarray(0, 48) }),
    ).toMatch('a power of two');
    const outside = withPlaces((places) => (places[places.findIndex((place) => place !== 0)] = 0xfffffff0));
    expect(IdSet.inPlace(outside)).toMatch(/slot \(\d+\) that points outside their pages/);
    const allFull = withPlaces((places) =>
      places.forEach((place, slot) => (places[slot] = place === 0 ? 1 : place)),
    );
    expect(IdSet.inPlace(allFull)).toBe(`count ${filled} ids, and their table holds ${slots}`);
    expect(IdSet.inPlace({ ...parts, last: 1 })).toMatch('does not end their last page');
    expect(IdSet.inPlace({ ...parts, pages: [...parts.pages, new Uint8Array(0)] })).toMatch('not 1 to 4096');
    expect(IdSet.inPlace({ ...parts, count: 0 })).toMatch('hold no ids, yet');
    // Pages that hold more ids than the count: growing the table would place them all again, in a
    // table too small for them, and never end.
    const oneSlot = withPlaces((places) =>
      places.forEach((place, slot) => (places[slot] = slot === 0 ? 1 : 0)),
    );
    expect(IdSet.inPlace({ ...oneSlot, count: 1 })).toBe('count 1 ids, and their pages hold 40');
    const midId = withPlaces((places) => (places[places.findIndex((place) => place !== 0)] = 2));
    expect(IdSet.inPlace(midId)).toMatch(/slot \(\d+\) that points outside their pages/);
    const page = Buffer.from(parts.pages[0] as Uint8Array);
    page[page.length - 4] = 0x7f;
    expect(IdSet.inPlace({ ...parts, pages: [page] })).toMatch(
      /runs past its end|does not end their last page/,
    );
  });
});
