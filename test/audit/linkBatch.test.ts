import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packLinks, unpackLinks } from '../../src/audit/linkBatch.js';
import type { LinkEntry } from '../../src/seal/verify.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const position = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const entry: fc.Arbitrary<LinkEntry> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('link' as const),
      position,
      globalPosition: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
      prev: hash,
      hash,
      actual: hash,
    },
    { requiredKeys: ['kind', 'position', 'globalPosition', 'prev', 'hash'] },
  ),
  fc.record({ kind: fc.constant('plain' as const), position }),
  fc.record({ kind: fc.constant('unreadable' as const), position }),
  fc.record({ kind: fc.constant('altered' as const), position, problem: fc.string({ unit: 'binary' }) }),
);

describe('link entries packed for the trip from a thread to the merge', () => {
  it('given any entries, when packed and unpacked, then they are the same entries in the same order', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (entries) => {
        expect(unpackLinks(packLinks(entries))).toEqual(entries);
      }),
    );
  });
});
