import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkPacker, packLinks, PackedLinkMerge, unpackLinks } from '../../src/audit/linkBatch.js';
import { GENESIS } from '../../src/seal/link.js';
import {
  ChainCheck,
  type ChainFinding,
  type ChainReport,
  type LinkEntry,
  type LogHead,
} from '../../src/seal/verify.js';

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

  it('given any entries given to a packer as they come, links that hold by their fields, then it packs them as packLinks does, batch by batch', () => {
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 10 }), { maxLength: 4 }), (batches) => {
        const packer = new LinkPacker();
        for (const batch of batches) {
          for (const e of batch)
            if (e.kind === 'link' && e.actual === undefined)
              packer.holding(e.position, e.prev, e.hash, e.globalPosition);
            else packer.entry(e);
          const packed = packer.take();
          expect(packed).toBe(packLinks(batch));
          expect(unpackLinks(packed)).toEqual(batch);
        }
        expect(packer.take()).toBe('');
      }),
    );
  });
});

/** What is done to a record of an intact chain. */
const change = fc.constantFrom(
  'none',
  'none',
  'none',
  'none',
  'none',
  'prev',
  'genesis',
  'actual',
  'reordered',
  'copy',
  'plain',
  'unreadable',
  'altered',
);

/** A sealed log's link entries, mostly intact, with breaks of every kind; and checkpoints of it. */
const chainAndCheckpoints = fc
  .array(fc.record({ change, hash, other: hash, gap: fc.integer({ min: 1, max: 3 }) }), { maxLength: 60 })
  .chain((records) => {
    const entries: LinkEntry[] = [];
    const heads: LogHead[] = [];
    let prev = GENESIS;
    let at = 0;
    records.forEach((record, index) => {
      at += record.gap;
      const globalPosition = String(index + 1);
      const intact = { kind: 'link', position: at, prev, hash: record.hash, globalPosition } as const;
      heads.push({ position: index + 1, globalPosition, hash: record.hash });
      prev = record.hash;
      const before = entries.at(-1);
      switch (record.change) {
        case 'none':
          return entries.push(intact);
        case 'prev':
          return entries.push({ ...intact, prev: record.other });
        case 'genesis':
          return entries.push({ ...intact, prev: GENESIS });
        case 'actual':
          return entries.push({ ...intact, actual: record.other });
        case 'reordered':
          return entries.push({ ...intact, globalPosition: String(Math.max(0, index - 3)) });
        case 'copy':
          return entries.push(before?.kind === 'link' ? { ...before, position: at } : intact);
        case 'plain':
        case 'unreadable':
          return entries.push({ kind: record.change, position: at });
        case 'altered':
          return entries.push({ kind: 'altered', position: at, problem: 'prev must be a hash' });
      }
    });
    const checkpoint = fc.oneof(
      fc.constantFrom(...heads, { position: 1, globalPosition: '1', hash: GENESIS }),
      fc.record({
        position: fc.integer({ min: 1, max: records.length + 2 }),
        globalPosition: fc.constant('1'),
        hash,
      }),
    );
    return fc.tuple(fc.constant(entries), fc.array(checkpoint, { maxLength: 2 }));
  });

/** How shards read a log: which shard each entry is of, how many lines each reads between two messages, in what order their messages come. */
const sharding = fc.integer({ min: 1, max: 3 }).chain((shards) =>
  fc.record({
    shards: fc.constant(shards),
    owners: fc.array(fc.integer({ min: 0, max: shards - 1 }), { maxLength: 60 }),
    batchLines: fc.array(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 }), {
      minLength: shards,
      maxLength: shards,
    }),
    arrivals: fc.array(fc.integer({ min: 0, max: shards - 1 }), { maxLength: 80 }),
  }),
);

type Sharding = typeof sharding extends fc.Arbitrary<infer S> ? S : never;

type Verified = { readonly findings: readonly ChainFinding[]; readonly chain: ChainReport };

/** The entries given one by one to a ChainCheck, in log order. */
function verifiedOneByOne(entries: readonly LinkEntry[], checkpoints: readonly LogHead[]): Verified {
  const findings: ChainFinding[] = [];
  const check = new ChainCheck((finding) => findings.push(finding), checkpoints);
  entries.forEach((e) => check.entry(e));
  check.end();
  return { findings, chain: check.result() };
}

/** The entries packed by the shards that read them, in batches, and merged in place as the batches come. */
function verifiedInPlace(
  entries: readonly LinkEntry[],
  checkpoints: readonly LogHead[],
  { shards, owners, batchLines, arrivals }: Sharding,
): Verified {
  const lines = entries.at(-1)?.position ?? 0;
  const messages = Array.from({ length: shards }, (_, shard) => {
    const sizes = batchLines[shard] ?? [1];
    const own = entries.filter((_, index) => (owners[index] ?? 0) % shards === shard);
    const sent: { packed: string; through: number }[] = [];
    for (let through = 0, batch = 0; through < lines; batch++) {
      const from = through;
      through = Math.min(lines, through + (sizes[batch % sizes.length] ?? 1));
      sent.push({
        packed: packLinks(own.filter((e) => e.position > from && e.position <= through)),
        through,
      });
    }
    return sent;
  });
  const findings: ChainFinding[] = [];
  const check = new ChainCheck((finding) => findings.push(finding), checkpoints);
  const merge = new PackedLinkMerge(shards, check);
  const send = (shard: number): void => {
    const message = messages[shard]?.shift();
    if (message !== undefined) merge.add(shard, message.packed, message.through);
  };
  arrivals.forEach(send);
  while (messages.some((left) => left.length > 0)) messages.forEach((_, shard) => send(shard));
  check.end();
  return { findings, chain: check.result() };
}

describe('the packed link entries of shards, checked where they lie', () => {
  it('given any sealed log with any breaks and checkpoints, read in any shards and batches, then the findings and the report are those of the entries checked one by one', () => {
    fc.assert(
      fc.property(chainAndCheckpoints, sharding, ([entries, checkpoints], how) => {
        expect(verifiedInPlace(entries, checkpoints, how)).toEqual(verifiedOneByOne(entries, checkpoints));
      }),
      { numRuns: 500 },
    );
  });

  it('given an intact chain, then it is whole in place: no finding, and its head is its last record', () => {
    fc.assert(
      fc.property(chainAndCheckpoints, sharding, ([entries], how) => {
        const intact = entries.map((e, index): LinkEntry => ({
          kind: 'link',
          position: e.position,
          prev: index === 0 ? GENESIS : String(index).padStart(64, '0'),
          hash: String(index + 1).padStart(64, '0'),
          globalPosition: String(index + 1),
        }));
        const { findings, chain } = verifiedInPlace(intact, [], how);
        expect(findings).toEqual([]);
        expect(chain).toEqual({
          sealed: true,
          breaks: 0,
          head: {
            position: intact.length,
            globalPosition: String(intact.length),
            hash: intact.length === 0 ? GENESIS : String(intact.length).padStart(64, '0'),
          },
        });
      }),
    );
  });
});
