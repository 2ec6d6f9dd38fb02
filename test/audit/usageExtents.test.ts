import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extentOf, ExtentIds, type ExtentRef } from '../../src/audit/usageExtents.js';
import { idHash } from '../../src/lib/idSet.js';
import { Id } from '../../src/lib/ids.js';

/** Ordinary ids (1 to 128 UTF-16 units, storable text): Latin-1, wider characters, and a few long ones. */
const anyId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).filter((id) => Id.is(id)),
  fc.constantFrom('é', '日本', '🎉', 'a\u0100', 'x'.repeat(128)),
  fc.nat(100_000).map((n) => `usage-${n}`),
);
const anyIds = fc.uniqueArray(anyId, { maxLength: 300 });

class Corrupt extends Error {}
const corrupt = (problem: string): never => {
  throw new Corrupt(problem);
};

/** Extents of these groups of ids laid in one file, each at a multiple of 4 bytes; and how to read it. */
function fileOf(groups: readonly (readonly string[])[]) {
  const parts: Buffer[] = [];
  const refs: ExtentRef[] = [];
  let at = 0;
  for (const ids of groups) {
    const extent = extentOf(ids);
    refs.push({ ...extent.ref, at });
    parts.push(extent.bytes);
    at += extent.bytes.length;
  }
  const file = Buffer.concat(parts);
  const reader = (bytes: Buffer) => (target: Buffer, position: number) => {
    if (position + target.length > bytes.length) throw new Corrupt('read past the end of the file');
    bytes.copy(target, 0, position, position + target.length);
  };
  return { file, refs, over: (bytes = file) => new ExtentIds(refs, reader(bytes), corrupt) };
}

const splits = (ids: readonly string[], cuts: readonly number[]) => {
  const at = [...new Set(cuts.map((cut) => cut % (ids.length + 1)))].sort((a, b) => a - b);
  return [0, ...at, ids.length].slice(1).map((end, i, ends) => ids.slice(i === 0 ? 0 : ends[i - 1], end));
};

describe('usage extents: a partner’s usage ids in a resume file, looked up where they lie', () => {
  it('property: ids laid in any number of extents are each found, no other id is, and they read back in order', () => {
    fc.assert(
      fc.property(
        anyIds,
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(anyId, { maxLength: 40 }),
        (ids, cuts, others) => {
          const groups = splits(ids, cuts).filter((group) => group.length > 0);
          const below = fileOf(groups).over();
          expect(below.size).toBe(ids.length);
          for (const id of ids) expect(below.has(id, idHash(id))).toBe(true);
          for (const id of others) expect(below.has(id, idHash(id))).toBe(ids.includes(id));
          expect([...below.keys()]).toEqual(groups.flat());
          if (groups.length > 0) expect([...below.keysFrom(groups.length - 1)]).toEqual(groups.at(-1));
        },
      ),
    );
  });

  it('property: with any one byte changed, a lookup answers true only for an id that is there, or throws the reader’s error; reading the ids back does the same; neither loops', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyId, { minLength: 1, maxLength: 120 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.array(anyId, { maxLength: 20 }),
        (ids, place, flip, others) => {
          const { file, over } = fileOf([ids]);
          const bytes = Buffer.from(file);
          bytes[place % bytes.length] = (bytes[place % bytes.length] as number) ^ flip;
          const below = over(bytes);
          try {
            for (const id of [...ids, ...others]) if (below.has(id, idHash(id))) expect(ids).toContain(id);
          } catch (error) {
            if (!(error instanceof Corrupt)) throw error;
          }
          try {
            const read = [...below.keys()];
            expect(read).toEqual(ids);
          } catch (error) {
            if (!(error instanceof Corrupt)) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given tags whose CRC-32 was taken anew over a table with no empty slot (a writer gone wrong), then a lookup of an id not there throws, not loops', () => {
    const ids = ['u1', 'u2', 'u3'];
    const { file, refs } = fileOf([ids]);
    const bytes = Buffer.from(file);
    const slots = bytes.readUInt32LE(4);
    bytes.fill(7, 8, 8 + slots);
    const ref = { ...(refs[0] as ExtentRef), tagsCrc: crc32(bytes.subarray(8, 8 + slots)) };
    const below = new ExtentIds([ref], (target, position) => bytes.copy(target, 0, position), corrupt);
    expect(() => below.has('absent', idHash('absent'))).toThrow(Corrupt);
  });

  it('given tags not those their CRC-32 was taken of, then the first lookup throws naming the damage', () => {
    const { file, over } = fileOf([['u1', 'u2']]);
    const bytes = Buffer.from(file);
    bytes[9] = (bytes[9] as number) ^ 1;
    expect(() => over(bytes).has('u1', idHash('u1'))).toThrow(
      'has an extent that does not match its checksum: the file was damaged',
    );
  });
});
