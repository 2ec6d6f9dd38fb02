import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anyCommand,
  anyEvent,
  anyJson,
  assertProperty,
  corrupted,
  hostileStrings,
} from 'apss-domain/testing';

const valueAt = (root: unknown, path: string): [boolean, unknown] => {
  let node = root as Record<string, unknown>;
  const keys = path.split('.');
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  return [Object.prototype.hasOwnProperty.call(node, last), node[last]];
};

describe('malformed inputs', () => {
  it('anyJson draws values JSON can carry unchanged', () => {
    assertProperty(
      fc.property(anyJson(), (value) => {
        expect(JSON.parse(JSON.stringify(value))).toEqual(value);
      }),
      { numRuns: 200 },
    );
  });

  it('anyJson weights in hostile strings and keys', () => {
    const texts = fc.sample(anyJson(), { numRuns: 500, seed: 7 }).map((value) => JSON.stringify(value));
    expect(texts.some((text) => text.includes('"__proto__":'))).toBe(true);
    expect(texts.some((text) => hostileStrings.some((s) => s.length > 0 && text === JSON.stringify(s)))).toBe(
      true,
    );
  });

  it('corrupted breaks a message in exactly the place and way it reports', () => {
    assertProperty(
      fc.property(fc.oneof(corrupted(anyCommand()), corrupted(anyEvent())), ({ input, path, how }) => {
        const [present, value] = valueAt(input, path);
        if (how === 'removed') expect(present).toBe(false);
        else expect(present).toBe(true);
        if (how === 'added') expect(value).toBe('unexpected');
      }),
      { numRuns: 300 },
    );
  });

  it('corrupted breaks any object, one without data or metadata included, and an empty one whole', () => {
    const samples = fc.sample(corrupted(fc.constantFrom<object>({}, { type: 'X' }, { data: { a: 1 } })), 50);
    for (const { how } of samples) expect(['removed', 'replaced', 'added']).toContain(how);
    expect(fc.sample(corrupted(fc.constant({})), 5)).toEqual(
      Array(5).fill({ input: null, path: '(root)', how: 'replaced' }),
    );
    expect(samples.map(({ path }) => path)).toContain('type');
  });

  it('corrupted leaves the original message as it was', () => {
    assertProperty(
      fc.property(
        anyCommand().chain((command) =>
          fc.tuple(
            fc.constant(structuredClone(command)),
            corrupted(fc.constant(command)),
            fc.constant(command),
          ),
        ),
        ([copy, , original]) => {
          expect(original).toEqual(copy);
        },
      ),
      { numRuns: 100 },
    );
  });
});
