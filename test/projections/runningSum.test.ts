import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exact, plainOf } from '../../src/projections/exact.js';
import { decimalOf, RunningSum } from '../../src/projections/runningSum.js';
import {
  lineAmount,
  plainOfScaled,
  plus,
  scaledOfPlain,
  ZERO_SCALED,
  type Scaled,
} from '../../src/projections/scaled.js';
import { amount } from '../builders.js';
import { scaled } from './money.js';

/** A number written with at most 15 significant digits and up to 22 decimals: the sum's fast path. */
const shortDecimal = fc
  .tuple(fc.integer({ min: 0, max: 999_999_999_999_999 }), fc.integer({ min: 0, max: 22 }))
  .map(([units, scale]) => units / 10 ** scale);

/** Any double >= 0 that is finite, every magnitude: its decimal may be long, its product pass 2^53. */
const anyDouble = fc.oneof(
  amount,
  shortDecimal,
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 1e-300, noNaN: true }),
);

/** Amounts whose counts of units come close to 2^53, so that sums of a few of them pass it. */
const nearTheLimit = fc
  .tuple(
    fc.integer({ min: 1, max: 999_999_999_999_999 }),
    fc.integer({ min: 0, max: 6 }),
    fc.constantFrom(1, 9, 0.5, 0.001),
  )
  .map(([units, scale, unitPrice]) => ({ quantity: units / 10 ** scale, unitPrice }));

const line = fc.oneof(
  fc.record({ quantity: anyDouble, unitPrice: anyDouble }),
  fc.record({ quantity: shortDecimal, unitPrice: shortDecimal }),
  fc.record({
    quantity: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1000),
    unitPrice: fc.constantFrom(0.096, 0.1, 0.0125, 3),
  }),
  nearTheLimit,
);

/** A plain decimal >= 0 as the views write or a saved total holds it (trailing zeros allowed). */
const plainDecimal = fc
  .tuple(
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,40}$/)),
    fc.option(fc.stringMatching(/^\d{1,40}$/), { nil: undefined }),
  )
  .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`));

const term = fc.oneof(
  line,
  plainDecimal.map((text) => ({ text })),
);

const decimalLine = (quantity: number, unitPrice: number) =>
  new Exact(String(quantity)).times(new Exact(String(unitPrice)));

describe('a running sum: exact on JS numbers below 2^53, on a BigInt beyond, as the scaled sums and decimal.js give it', () => {
  it('property: the decimal of a number is the one it is written as (its shortest form), whatever its length', () => {
    fc.assert(
      fc.property(anyDouble, (n) => {
        expect(plainOfScaled(decimalOf(n))).toBe(plainOfScaled(scaled(n)));
      }),
      { numRuns: 2000 },
    );
  });

  it('given numbers of 16 and more digits, and tiny ones, then their decimal is still the one they are written as', () => {
    for (const n of [
      0.1 + 0.2,
      1 / 3,
      2 ** 53,
      2 ** 53 + 2,
      9007199254740991,
      1e15,
      999999999999999.9,
      1e21,
      1e-7,
      5e-324,
      123456789.12345679,
    ])
      expect(plainOfScaled(decimalOf(n))).toBe(plainOfScaled(scaled(n)));
  });

  it('property: a sum of line amounts and plain decimals, in any order, is the sum of scaled amounts, and is written as decimal.js writes it', () => {
    fc.assert(
      fc.property(fc.array(term, { maxLength: 40 }), (terms) => {
        const sum = new RunningSum();
        let expected: Scaled = ZERO_SCALED;
        let decimal = new Exact(0);
        for (const t of terms) {
          if ('text' in t) {
            sum.addScaled(scaledOfPlain(t.text));
            expected = plus(expected, scaledOfPlain(t.text));
            decimal = decimal.plus(new Exact(t.text));
          } else {
            sum.add(t.quantity, t.unitPrice);
            expected = plus(expected, lineAmount(t.quantity, t.unitPrice));
            decimal = decimal.plus(decimalLine(t.quantity, t.unitPrice));
          }
        }
        expect(plainOfScaled(sum.scaled)).toBe(plainOfScaled(expected));
        expect(plainOfScaled(sum.scaled)).toBe(plainOf(decimal));
      }),
      { numRuns: 1000 },
    );
  });

  it('given amounts that together pass 2^53 units many times over, then the sum is exact', () => {
    const sum = new RunningSum();
    let expected = new Exact(0);
    for (let i = 0; i < 1000; i++) {
      sum.add(999_999_999_999.999, 9);
      expected = expected.plus(decimalLine(999_999_999_999.999, 9));
    }
    expect(plainOfScaled(sum.scaled)).toBe(plainOf(expected));
    expect(plainOfScaled(sum.scaled)).toBe('8999999999999991');
  });

  it('given a large sum, then a line of a finer scale, then the sum moves to that scale exactly', () => {
    const sum = new RunningSum();
    sum.add(9_000_000_000_000_000, 1);
    sum.add(8_000_000_000_000, 1);
    sum.add(0.5, 0.25);
    sum.add(1e-20, 1);
    expect(plainOfScaled(sum.scaled)).toBe('9008000000000000.12500000000000000001');
  });

  it('given nothing added, then the sum is 0', () => {
    expect(plainOfScaled(new RunningSum().scaled)).toBe('0');
  });
});
