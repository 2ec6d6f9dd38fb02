// An oracle for money: the exact decimal a number was written as, independent of decimal.js.

/**
 * The exact decimal a number was written as, as a scaled BigInt: an oracle independent of decimal.js.
 * `1.25e-3` is { units: 125n, scale: 5 }.
 */
export function scaled(n: number): { units: bigint; scale: number } {
  const [mantissa = '0', exponent = '0'] = String(n).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const shift = Number(exponent) - fraction.length;
  const digits = BigInt(whole + fraction);
  return shift >= 0 ? { units: digits * 10n ** BigInt(shift), scale: 0 } : { units: digits, scale: -shift };
}

/** A scaled BigInt in the plain notation the views write (`0.00125`, `3`, never `3.0`). */
export function plain({ units, scale }: { units: bigint; scale: number }): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return text;
}

export const times = (a: number, b: number) => {
  const x = scaled(a);
  const y = scaled(b);
  return { units: x.units * y.units, scale: x.scale + y.scale };
};

export const add = (a: { units: bigint; scale: number }, b: { units: bigint; scale: number }) => {
  const scale = Math.max(a.scale, b.scale);
  return {
    units: a.units * 10n ** BigInt(scale - a.scale) + b.units * 10n ** BigInt(scale - b.scale),
    scale,
  };
};
