import { Decimal } from 'decimal.js';

/**
 * Decimal arithmetic that never rounds. A double's shortest decimal form has at most 17 significant
 * digits between 1e-324 and 1.8e308, so a product of two spans fewer than 1,300 digits; the largest
 * precision decimal.js allows keeps every sum of such products exact. Only + and x are used here
 * (a division at this precision would be ruinous). The views themselves add and multiply on scaled
 * integers (scaled.ts), which give the same results, and are checked against this.
 */
export const Exact = Decimal.clone({ precision: 1e9 });
export type Exact = InstanceType<typeof Exact>;

/** Plain decimal notation, never exponential: `1e-7` is `0.0000001`. */
export const plainOf = (d: Exact): string => d.toFixed();
