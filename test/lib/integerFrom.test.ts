import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { describeProblems, integerFrom, problemsOf } from '../../src/lib/codec.js';

describe('integerFrom: the one builder of integer codecs', () => {
  const Small = integerFrom('Small', 2, 9);

  it('given any value, then it accepts exactly the exact whole numbers in its range, as they are', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double(), fc.anything()), (u) => {
        const accepted = Number.isSafeInteger(u) && (u as number) >= 2 && (u as number) <= 9;
        const decoded = Small.decode(u);
        expect(E.isRight(decoded)).toBe(accepted);
        if (E.isRight(decoded)) expect(decoded.right).toBe(u);
      }),
    );
  });

  it('given a value out of range, then the message names the range; without a maximum, only the minimum', () => {
    const refusal = (codec: typeof Small, u: unknown): string => {
      const decoded = codec.decode(u);
      return E.isLeft(decoded) ? describeProblems(problemsOf(decoded.left)) : '';
    };
    expect(refusal(Small, 10)).toBe('the input must be an integer from 2 to 9 (got 10)');
    expect(refusal(integerFrom('Count', 0), -1)).toBe('the input must be an integer >= 0 (got -1)');
    expect(E.isRight(integerFrom('Count', 0).decode(Number.MAX_SAFE_INTEGER))).toBe(true);
    expect(E.isLeft(integerFrom('Count', 0).decode(Number.MAX_SAFE_INTEGER + 1))).toBe(true);
  });
});
