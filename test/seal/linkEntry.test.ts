import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLog } from '../../src/cli/generate/log.js';
import { hashFieldAt, LinkHash } from '../../src/seal/link.js';
import { linkEntryOf, passLinkEntry, type LinkEntry } from '../../src/seal/verify.js';
import { sealLines } from './sealedLog.js';

const sealed = sealLines([...generateLog({ partners: 3, events: 60, violations: 2, seed: 'entries' })]);
const hexDigits = '0123456789abcdef';
const hash = fc.string({ unit: fc.constantFrom(...hexDigits), minLength: 64, maxLength: 64 });

/** What passLinkEntry gives its sink, as the link entry it stands for. */
function passed(position: number, value: unknown, line?: string): LinkEntry[] {
  const given: LinkEntry[] = [];
  passLinkEntry(
    {
      holding: (at, prev, hash, globalPosition) =>
        given.push({ kind: 'link', position: at, prev, hash, globalPosition }),
      entry: (entry) => given.push(entry),
    },
    position,
    value,
    line,
  );
  return given;
}

/** A sealed line with one of its chain fields changed, removed or given another type. */
const alteredLine = fc
  .record({
    line: fc.constantFrom(...sealed),
    field: fc.constantFrom('hash', 'prev', 'globalPosition', 'type', 'streamId', 'streamPosition', 'data'),
    to: fc.oneof(
      fc.constant(undefined),
      fc.jsonValue(),
      hash,
      hash.map((h) => h.toUpperCase()),
      fc.string(),
    ),
  })
  .map(({ line, field, to }) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(
      to === undefined
        ? Object.fromEntries(Object.entries(record).filter(([key]) => key !== field))
        : { ...record, [field]: to },
    );
  });

describe('the hash field of a sealed line, found by its hash', () => {
  it('given any line and hash, then it is where the first "hash":"<hash>", of the line is', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('"hash":"', '",', '"hash":', '"', ','),
    );
    fc.assert(
      fc.property(
        fc.oneof(hash, fc.string({ maxLength: 4 })),
        fc.array(piece, { maxLength: 8 }),
        (h, pieces) => {
          // Pieces of text with the hash among them, alone or as the field, any number of times.
          const line = pieces.flatMap((p, i) => (i % 2 === 0 ? [p, h] : [p, `"hash":"${h}",`])).join('');
          expect(hashFieldAt(line, h)).toBe(line.indexOf(`"hash":"${h}",`));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('given a sealed line, then it is the field sealedLine inserted, also when the data holds the same hash first', () => {
    for (const line of sealed) {
      const { hash: h } = JSON.parse(line) as { hash: string };
      expect(hashFieldAt(line, h)).toBe(line.indexOf(`"hash":"${h}",`));
      const echoed = line.replace('{"data":{', `{"data":{"echo":"${h}","hash":"${h}x",`);
      expect(hashFieldAt(echoed, h)).toBe(echoed.indexOf(`"hash":"${h}",`));
    }
  });
});

describe('a hash as 64 lower-case hexadecimal digits', () => {
  it('given any string, then LinkHash accepts it exactly when the regular expression does', () => {
    // One digit changed into a character next to the digits' ranges, or any other.
    const nearHash = fc
      .tuple(
        hash,
        fc.nat(63),
        fc.oneof(
          fc.constantFrom(...'/:@AFGg`{ \u0660\uff10'),
          fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
        ),
      )
      .map(([h, at, c]) => h.slice(0, at) + c + h.slice(at + 1));
    fc.assert(
      fc.property(
        fc.oneof(hash, nearHash, fc.string({ minLength: 63, maxLength: 65 }), fc.anything()),
        (u) => {
          expect(LinkHash.is(u)).toBe(typeof u === 'string' && /^[0-9a-f]{64}$/.test(u));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('a record link entry given to a sink', () => {
  it('given the lines of a sealed log, then each is passed as a link that holds, what linkEntryOf says of it', () => {
    sealed.forEach((line, index) => {
      const entry = linkEntryOf(index + 1, JSON.parse(line), line);
      expect(entry).toMatchObject({ kind: 'link' });
      expect(entry).not.toHaveProperty('actual');
      expect(passed(index + 1, JSON.parse(line), line)).toEqual([entry]);
    });
  });

  it('given any sealed line altered, or any value, read from its text or not, then the sink is given what linkEntryOf says', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          alteredLine,
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        fc.boolean(),
        (line, text) => {
          const value = JSON.parse(line) as unknown;
          expect(passed(7, value, text ? line : undefined)).toEqual([
            linkEntryOf(7, value, text ? line : undefined),
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('given a record whose prev getter throws once it has been checked, then it is an altered record, and passLinkEntry does not throw', () => {
    const line = sealed[0] as string;
    const record = JSON.parse(line) as Record<string, unknown>;
    let reads = 0;
    const prev = record['prev'];
    Object.defineProperty(record, 'prev', {
      enumerable: true,
      get: () => {
        reads += 1;
        if (reads > 1) throw new Error('read once only');
        return prev;
      },
    });
    expect(passed(1, record, line)).toEqual([
      { kind: 'altered', position: 1, problem: 'the record could not be read: read once only' },
    ]);
  });

  it("given a sink that throws on a link that holds, then what it throws is its own, not the record's", () => {
    const line = sealed[0] as string;
    const entries: LinkEntry[] = [];
    const failing = {
      holding: () => {
        throw new Error('the sink is full');
      },
      entry: (entry: LinkEntry) => entries.push(entry),
    };
    expect(() => passLinkEntry(failing, 1, JSON.parse(line), line)).toThrow('the sink is full');
    expect(entries).toEqual([]);
  });
});
