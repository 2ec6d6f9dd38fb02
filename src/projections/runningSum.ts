import { lineAmount, scaledOf, type Scaled } from './scaled.js';

/**
 * An exact running sum of line amounts (quantity x unit price) that makes no BigInt per line: a
 * line whose amount is a count of 10^-scale below 2^53 is added as a JS number, which is exact
 * there, and the number is carried into a BigInt only when the next addition would pass 2^53. Its
 * `scaled` is the sum that `plus` of each `lineAmount` gives, at the same scale.
 */
export class RunningSum {
  /** The sum is (big + small) x 10^-scale; small is an integer below 2^53. */
  private scale = 0;
  private small = 0;
  private big = 0n;

  /** Adds quantity x unit price (both >= 0 and finite, as the events hold them). */
  add(quantity: number, unitPrice: number): void {
    const q = smallUnits(quantity);
    if (q >= 0) {
      const qScale = unitsScale;
      const p = smallUnits(unitPrice);
      if (p >= 0) {
        const units = q * p;
        // Both are integers, so a product that rounds to at most 2^53 - 1 was exact.
        if (units <= Number.MAX_SAFE_INTEGER && this.addSmall(units, qScale + unitsScale)) return;
      }
    }
    this.addScaled(lineAmount(quantity, unitPrice));
  }

  /** Adds an exact integer count below 2^53 of 10^-scale, if it stays one at the sum's scale. */
  private addSmall(units: number, scale: number): boolean {
    let at = units;
    if (scale < this.scale) {
      if (this.scale - scale > MAX_EXACT_POWER) return false;
      at = units * (TENS[this.scale - scale] as number);
      if (at > Number.MAX_SAFE_INTEGER) return false;
    } else if (scale > this.scale) this.rescale(scale);
    const sum = this.small + at;
    if (sum <= Number.MAX_SAFE_INTEGER) this.small = sum;
    else {
      this.big += BigInt(this.small);
      this.small = at;
    }
    return true;
  }

  /** Adds an amount as a scaled BigInt (an amount whose units pass 2^53, or whose decimal is long). */
  addScaled({ units, scale }: Scaled): void {
    if (scale > this.scale) this.rescale(scale);
    this.big += scale === this.scale ? units : units * tenTo(this.scale - scale);
  }

  /** Moves the sum to a larger scale. */
  private rescale(scale: number): void {
    const shift = scale - this.scale;
    const small = shift <= MAX_EXACT_POWER ? this.small * (TENS[shift] as number) : Infinity;
    if (small <= Number.MAX_SAFE_INTEGER) {
      if (this.big !== 0n) this.big *= tenTo(shift);
      this.small = small;
    } else {
      this.big = (this.big + BigInt(this.small)) * tenTo(shift);
      this.small = 0;
    }
    this.scale = scale;
  }

  /** The sum so far. */
  get scaled(): Scaled {
    return { units: this.big + BigInt(this.small), scale: this.scale };
  }
}

/** The largest n for which 10^n is a double exactly (5^22 < 2^53). */
const MAX_EXACT_POWER = 22;
const TENS: readonly number[] = Array.from({ length: MAX_EXACT_POWER + 1 }, (_, n) => 10 ** n);

const BIG_TENS: readonly bigint[] = TENS.map(BigInt);
/** 10^n as a BigInt. */
const tenTo = (n: number): bigint => (n <= MAX_EXACT_POWER ? (BIG_TENS[n] as bigint) : 10n ** BigInt(n));

/** The largest count of units smallUnits gives: 15 digits, which any double tells apart. */
const MAX_SMALL_UNITS = 1e15;

/** The scale of the units smallUnits last gave (a second result, so that none is allocated). */
let unitsScale = 0;

/**
 * The decimal a number >= 0 was written as (its shortest round-tripping form, as `scaledOf` reads
 * it), as a count of 10^-unitsScale, when that count has at most 15 digits; else -1. It is the
 * count of the least scale whose rounded count, divided back, is the number again: that decimal
 * round-trips, and two decimals of at most 15 significant digits never round to the same double,
 * so it is the shortest form's value. Found with a few multiplications, not by writing the number.
 */
function smallUnits(n: number): number {
  for (let scale = 0; scale <= MAX_EXACT_POWER; scale++) {
    const power = TENS[scale] as number;
    const units = Math.round(n * power);
    if (units >= MAX_SMALL_UNITS) return -1;
    if (units / power === n) {
      unitsScale = scale;
      return units;
    }
  }
  return -1;
}

/** The decimal of a number as smallUnits reads it, or as scaledOf does when it is long: for tests. */
export function decimalOf(n: number): Scaled {
  const units = smallUnits(n);
  return units >= 0 ? { units: BigInt(units), scale: unitsScale } : scaledOf(n);
}
