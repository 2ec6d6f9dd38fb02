import { describe, expect, it } from 'vitest';
import { reasonOf } from '../../src/lib/reason.js';

describe('reasonOf: what a thrown value says', () => {
  it('given an Error, then its message', () => {
    expect(reasonOf(new RangeError('too far'))).toBe('too far');
  });

  it('given a value that is no Error, then its bounded preview', () => {
    expect(reasonOf('boom')).toBe('"boom"');
    expect(reasonOf('x'.repeat(10_000)).length).toBeLessThan(200);
  });

  it('given an Error whose message getter throws, then the value previewed, and nothing thrown', () => {
    const error = new Error('hidden');
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('no');
      },
    });
    expect(() => reasonOf(error)).not.toThrow();
    expect(typeof reasonOf(error)).toBe('string');
  });
});
