import { describe, expect, it } from 'vitest';
import { reasonOf } from '../../src/cli/source.js';

describe("reasonOf: why a file could not be read, in the CLI's words", () => {
  it('given a system error the CLI knows, then its few words', () => {
    expect(
      reasonOf(Object.assign(new Error('ENOENT: no such file or directory, open x'), { code: 'ENOENT' })),
    ).toBe('no such file');
  });

  it("given a code that names a property every object inherits, then the error's own message", () => {
    expect(reasonOf(Object.assign(new Error('odd'), { code: 'toString' }))).toBe('odd');
  });

  it('given anything else thrown, then what it says, bounded', () => {
    expect(reasonOf(new Error('disk on fire'))).toBe('disk on fire');
    expect(reasonOf('x'.repeat(10_000)).length).toBeLessThan(200);
  });
});
