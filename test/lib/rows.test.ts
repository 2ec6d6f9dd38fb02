import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { integerFrom, problemsOf } from '../../src/lib/codec.js';
import { Id } from '../../src/lib/ids.js';
import { rowsOf } from '../../src/lib/rows.js';

const Rows = rowsOf('Rows', { id: Id, count: integerFrom('Count', 0) });
const record = fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }).filter(Id.is), count: fc.nat() });
const pathsOf = (u: unknown): readonly string[] => {
  const decoded = Rows.decode(u);
  return E.isLeft(decoded) ? problemsOf(decoded.left).map((p) => p.path) : [];
};

describe('rowsOf: records of one shape written as rows', () => {
  it('property: rows are the records fields in order, and decode back to the same records', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const rows = Rows.encode(records);
        expect(rows).toEqual(records.map(({ id, count }) => [id, count]));
        expect(Rows.decode(JSON.parse(JSON.stringify(rows)))).toEqual(E.right(records));
        expect(Rows.is(records)).toBe(true);
      }),
    );
  });

  it('names each refused value by the path of its record field, and a row of the wrong width by its index', () => {
    expect(
      pathsOf([
        ['a', 1],
        ['b', -1],
      ]),
    ).toEqual(['1.count']);
    expect(pathsOf([['', 'x']])).toEqual(['0.id', '0.count']);
    expect(pathsOf([['a', 1], ['b']])).toEqual(['1']);
    expect(pathsOf([{ id: 'a', count: 1 }])).toEqual(['0']);
    expect(pathsOf('rows')).toEqual(['(root)']);
  });

  it('refuses a field without a quick decoder when it is made: rows are decoded by those alone', () => {
    expect(() => rowsOf('Slow', { values: t.array(t.string) })).toThrow('values has no quick decoder');
  });

  it('property: decode never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(Rows.decode(value)._tag).toMatch(/^(Left|Right)$/);
      }),
    );
  });
});
