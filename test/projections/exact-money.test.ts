import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invoice, project, reconciliation } from 'apss-domain';
import { amount, onboarded, usageRecorded } from '../builders.js';
import { add, plain, times } from './money.js';

const invoiceTotal = (...lines: { quantity: number; unitPrice: number }[]) => {
  const view = project(invoice, [...onboarded(), ...lines.map((line) => usageRecorded(line))]);
  expect(view).toHaveLength(1);
  return view[0]?.total;
};

const lineTotal = (quantity: number, unitPrice: number) =>
  project(reconciliation, [...onboarded(), usageRecorded({ quantity, unitPrice })])[0]?.total;

describe('exact money: totals are decimal strings, never binary floating point', () => {
  it('given lines of 0.1 and 0.2, when invoiced, then the month total is "0.3"', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(invoiceTotal({ quantity: 1, unitPrice: 0.1 }, { quantity: 1, unitPrice: 0.2 })).toBe('0.3');
  });

  it('given quantity 0.1 at unit price 0.2, then the line total is "0.02"', () => {
    expect(0.1 * 0.2).not.toBe(0.02);
    expect(lineTotal(0.1, 0.2)).toBe('0.02');
  });

  it('given 10,000 lines of 0.01 x 0.01, then the invoice total is exactly "1"', () => {
    const lines = Array.from({ length: 10_000 }, () => ({ quantity: 0.01, unitPrice: 0.01 }));
    expect(lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0)).not.toBe(1);
    expect(invoiceTotal(...lines)).toBe('1');
  });

  it.each([
    [1e21, 0.07, '70000000000000000000'],
    [9007199254740991, 1.1, '9907919180215090.1'],
    [123456789.123, 1234.5678, '152415776542.6460394'],
    [1.7976931348623157e308, 2, `35953862697246314${'0'.repeat(292)}`],
  ])('given a large quantity %s x %s, then the line total is exact: %s', (quantity, unitPrice, total) => {
    expect(String(quantity * unitPrice)).not.toBe(total);
    expect(lineTotal(quantity, unitPrice)).toBe(total);
  });

  it.each([
    [1e-7, 3, '0.0000003'],
    [0.001, 0.5, '0.0005'],
    [5e-324, 1, `0.${'0'.repeat(323)}5`],
    [0, 0.0416, '0'],
  ])(
    'given %s x %s, then the total %s is in plain notation and not rounded to minor units',
    (q, p, total) => {
      expect(lineTotal(q, p)).toBe(total);
    },
  );

  it('property: a line total is quantity x unit price as written, checked against BigInt arithmetic', () => {
    fc.assert(
      fc.property(amount, amount, (quantity, unitPrice) => {
        expect(lineTotal(quantity, unitPrice)).toBe(plain(times(quantity, unitPrice)));
      }),
    );
  });

  it('property: a month total is the exact sum of its line totals, checked against BigInt arithmetic', () => {
    const line = fc.record({ quantity: amount, unitPrice: amount });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const expected = lines.reduce((sum, l) => add(sum, times(l.quantity, l.unitPrice)), {
          units: 0n,
          scale: 0,
        });
        expect(invoiceTotal(...lines)).toBe(plain(expected));
      }),
      { numRuns: 200 },
    );
  });
});
