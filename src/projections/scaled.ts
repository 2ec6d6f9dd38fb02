/**
 * Exact money on integers: an amount >= 0 as a BigInt count of 10^-scale (`1.25e-3` is 125n at scale
 * 5). A number's shortest decimal form is digits, a point and an exponent, so every quantity, unit
 * price and their products and sums is such a count exactly, and the arithmetic of the views (+ and x)
 * never rounds. It gives the same totals as decimal.js (see exact.ts), in the same plain notation,
 * at a fraction of its cost per line.
 */
export type Scaled = { readonly units: bigint; readonly scale: number };

export const ZERO_SCALED: Scaled = Object.freeze({ units: 0n, scale: 0 });

const POWERS: bigint[] = [1n];
/** 10^n as a BigInt, the small ones kept. */
function tenTo(n: number): bigint {
  if (n < 64) {
    for (let k = POWERS.length; k <= n; k++) POWERS.push((POWERS[k - 1] as bigint) * 10n);
    return POWERS[n] as bigint;
  }
  return 10n ** BigInt(n);
}

/** The decimal a number >= 0 was written as (its shortest round-tripping form, what the JSON said). */
export function scaledOf(n: number): Scaled {
  const text = String(n);
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  const shift = exponent - (point < 0 ? 0 : mantissa.length - point - 1);
  // Short runs of digits are read as a number, which is exact below 2^53 and cheaper than a BigInt parse.
  const units = digits.length <= 15 ? BigInt(Number(digits)) : BigInt(digits);
  return shift >= 0 ? { units: units * tenTo(shift), scale: 0 } : { units, scale: -shift };
}

/** A plain decimal >= 0 as the views write it (`142.848`; trailing zeros allowed). */
export function scaledOfPlain(text: string): Scaled {
  const point = text.indexOf('.');
  return point < 0
    ? { units: BigInt(text), scale: 0 }
    : { units: BigInt(text.slice(0, point) + text.slice(point + 1)), scale: text.length - point - 1 };
}

// A meter's unit price recurs on line after line: read each once. Bounded, for logs of many prices.
const PRICES_KEPT = 4096;
const prices = new Map<number, Scaled>();

function priceOf(unitPrice: number): Scaled {
  let price = prices.get(unitPrice);
  if (price === undefined) {
    if (prices.size >= PRICES_KEPT) prices.clear();
    price = scaledOf(unitPrice);
    prices.set(unitPrice, price);
  }
  return price;
}

/** quantity x unit price, exactly. */
export function lineAmount(quantity: number, unitPrice: number): Scaled {
  const q = scaledOf(quantity);
  const p = priceOf(unitPrice);
  return { units: q.units * p.units, scale: q.scale + p.scale };
}

/** a + b, exactly, at the larger of their scales. */
export function plus(a: Scaled, b: Scaled): Scaled {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  return a.scale > b.scale
    ? { units: a.units + b.units * tenTo(a.scale - b.scale), scale: a.scale }
    : { units: a.units * tenTo(b.scale - a.scale) + b.units, scale: b.scale };
}

/** Plain decimal notation, never exponential, without trailing zeros: `0.0000001`, `3`, `0`. */
export function plainOfScaled({ units, scale }: Scaled): string {
  const digits = units.toString();
  if (scale === 0) return digits;
  const padded = digits.length > scale ? digits : '0'.repeat(scale - digits.length + 1) + digits;
  let end = padded.length;
  const point = padded.length - scale;
  while (end > point && padded.charCodeAt(end - 1) === 48) end -= 1;
  return end === point ? padded.slice(0, point) : `${padded.slice(0, point)}.${padded.slice(point, end)}`;
}

/** A number in plain decimal notation, exactly as written (`1e21` is `1000000000000000000000`). */
export const plainNumber = (n: number): string => plainOfScaled(scaledOf(n));
