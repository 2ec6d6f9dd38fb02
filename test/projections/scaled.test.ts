import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exact, plainOf } from '../../src/projections/exact.js';
import {
  lineAmount,
  plainNumber,
  plainOfScaled,
  plus,
  scaledOfPlain,
  ZERO_SCALED,
} from '../../src/projections/scaled.js';
import { amount } from '../builders.js';

/** Any double >= 0 that is finite: every magnitude, subnormals included. */
const anyDouble = fc.oneof(
  amount,
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 1e-300, noNaN: true }),
);

/** A plain decimal >= 0 as the views write or a saved total holds it (trailing zeros allowed). */
const plainDecimal = fc
  .tuple(
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,40}$/)),
    fc.option(fc.stringMatching(/^\d{1,40}$/), { nil: undefined }),
  )
  .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`));

const decimalLine = (quantity: number, unitPrice: number) =>
  new Exact(String(quantity)).times(new Exact(String(unitPrice)));

describe('scaled money: exact sums on BigInts give what decimal.js gives, to the byte', () => {
  it('property: a line amount is written as decimal.js writes quantity x unit price', () => {
    fc.assert(
      fc.property(anyDouble, anyDouble, (quantity, unitPrice) => {
        expect(plainOfScaled(lineAmount(quantity, unitPrice))).toBe(
          plainOf(decimalLine(quantity, unitPrice)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('property: a sum of saved totals and line amounts, in any order, is written as decimal.js writes it', () => {
    const term = fc.oneof(
      plainDecimal.map((text) => ({ text })),
      fc.tuple(anyDouble, anyDouble).map(([quantity, unitPrice]) => ({ quantity, unitPrice })),
    );
    fc.assert(
      fc.property(fc.array(term, { maxLength: 12 }), (terms) => {
        let scaled = ZERO_SCALED;
        let decimal = new Exact(0);
        for (const t of terms) {
          if ('text' in t) {
            scaled = plus(scaled, scaledOfPlain(t.text));
            decimal = decimal.plus(new Exact(t.text));
          } else {
            scaled = plus(scaled, lineAmount(t.quantity, t.unitPrice));
            decimal = decimal.plus(decimalLine(t.quantity, t.unitPrice));
          }
        }
        expect(plainOfScaled(scaled)).toBe(plainOf(decimal));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a plain decimal read and written again is what decimal.js writes of it (trailing zeros dropped)', () => {
    fc.assert(
      fc.property(plainDecimal, (text) => {
        expect(plainOfScaled(scaledOfPlain(text))).toBe(plainOf(new Exact(text)));
      }),
    );
  });

  it('property: a number is written in plain notation exactly as decimal.js writes it', () => {
    fc.assert(
      fc.property(anyDouble, (n) => {
        expect(plainNumber(n)).toBe(plainOf(new Exact(String(n))));
      }),
    );
  });

  it.each([
    [0, '0'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [5e-324, `0.${'0'.repeat(323)}5`],
    [100, '100'],
    [0.1, '0.1'],
  ])('given %s, then it is written %s', (n, text) => {
    expect(plainNumber(n)).toBe(text);
  });

  it('given sums at different scales, then the sum is exact and has no trailing zeros', () => {
    expect(plainOfScaled(plus(scaledOfPlain('1.50'), scaledOfPlain('0.5000')))).toBe('2');
    expect(plainOfScaled(plus(lineAmount(0.1, 0.2), scaledOfPlain('10')))).toBe('10.02');
  });
});
