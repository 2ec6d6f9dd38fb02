import { Decimal } from 'decimal.js';

/**
 * Decimal arithmetic that never rounds. A double's shortest decimal form has at most 17 significant
 * digits between 1e-324 and 1.8e308, so a product of two spans fewer than 1,300 digits; the largest
 * precision decimal.js allows keeps every sum of such products exact. Only + and x are used here
 * (a division at this precision would be ruinous).
 */
export const Exact = Decimal.clone({ precision: 1e9 });
export type Exact = InstanceType<typeof Exact>;

export const ZERO = new Exact(0);

/** The decimal a number was written as (its shortest round-tripping form, what the JSON said). */
export const exactOf = (n: number): Exact => new Exact(String(n));

/** Plain decimal notation, never exponential: `1e-7` is `0.0000001`. */
export const plainOf = (d: Exact): string => d.toFixed();

/** A number in plain decimal notation, exactly as written (`1e21` is `1000000000000000000000`). */
export const plainNumber = (n: number): string => plainOf(exactOf(n));

// A meter's unit price recurs on line after line: read each once. Bounded, for logs of many prices.
const PRICES_KEPT = 4096;
const prices = new Map<number, Exact>();

function priceOf(unitPrice: number): Exact {
  let price = prices.get(unitPrice);
  if (price === undefined) {
    if (prices.size >= PRICES_KEPT) prices.clear();
    price = exactOf(unitPrice);
    prices.set(unitPrice, price);
  }
  return price;
}

/** quantity x unit price, exactly. */
export const lineTotal = (quantity: number, unitPrice: number): Exact =>
  exactOf(quantity).times(priceOf(unitPrice));
