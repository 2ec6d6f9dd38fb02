import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  ChainWriter,
  GENESIS,
  linkHolds,
  SealFields,
  seal,
  sealedLine,
  type LinkContent,
} from '../../src/seal/link.js';
import { anyEvent } from '../../src/testing/index.js';

/** Any JSON value as JSON.parse gives it back: what a JSONB round trip may reorder and respell. */
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** The same value with every object's keys in reverse order, as a database may hand them back. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}

/** JSON text of a value with every number in exponent notation (1 as 1e+0), as another writer may spell it. */
function exponentJson(value: unknown): string {
  if (typeof value === 'number') return value.toExponential();
  if (Array.isArray(value)) return `[${value.map(exponentJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${exponentJson(v)}`)
    .join(',')}}`;
}

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

const link = (event: { type: string; data: unknown; metadata: unknown }, prev = GENESIS): LinkContent => ({
  ...event,
  streamId: 'partner-p1',
  streamPosition: 1,
  globalPosition: '1',
  prev,
});

describe('canonical JSON (RFC 8785): the bytes a link hash covers', () => {
  it('gives the RFC 8785 form of a value with numbers, escapes and unordered keys', () => {
    expect(canonicalJson({ b: [1e21, 0.1, -0, 1.5e-7], a: '€\u000f"', c: { z: true, y: null } })).toBe(
      '{"a":"€\\u000f\\"","b":[1e+21,0.1,0,1.5e-7],"c":{"y":null,"z":true}}',
    );
  });

  it('is the same for a value whatever the order of its keys and the spelling of its numbers', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const spelledAgain = JSON.parse(exponentJson(value)) as unknown;
        expect(canonicalJson(reordered(value))).toBe(canonicalJson(value));
        expect(canonicalJson(spelledAgain)).toBe(canonicalJson(value));
      }),
    );
  });

  it('parses back to the value it was made of', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(JSON.parse(canonicalJson(value))).toStrictEqual(value);
      }),
    );
  });
});

describe('a link: a record, its place in the log and the hash before it', () => {
  it('given any event, when sealed and read back from its line, then the link holds', () => {
    fc.assert(
      fc.property(anyEvent(), hash, (event, prev) => {
        const record = seal(link(JSON.parse(JSON.stringify(event)) as LinkContent, prev));
        const line = sealedLine(record);
        const read = JSON.parse(line) as typeof record;
        expect(SealFields.is(read)).toBe(true);
        expect(linkHolds(read, line)).toBe(true);
        expect(linkHolds(reordered(read) as typeof record)).toBe(true);
      }),
    );
  });

  it('given a sealed line, when any one field changes, then the link no longer holds', () => {
    const record = seal(
      link({ type: 'SharedTenantCreated', data: { partnerId: 'p1', tenantId: 't1' }, metadata: { at: 'x' } }),
    );
    const changes: Partial<LinkContent>[] = [
      { type: 'SharedTenantDeleted' },
      { data: { partnerId: 'p2', tenantId: 't1' } },
      { metadata: { at: 'y' } },
      { streamId: 'partner-p2' },
      { streamPosition: 2 },
      { globalPosition: '2' },
      { prev: '1'.repeat(64) },
    ];
    for (const change of changes) {
      const altered = { ...record, ...change };
      expect(linkHolds(altered, sealedLine(altered)), JSON.stringify(change)).toBe(false);
      expect(linkHolds(altered), JSON.stringify(change)).toBe(false);
    }
    expect(linkHolds(record, sealedLine(record))).toBe(true);
  });

  it('given a line whose hash field was moved inside the data, then the quick check does not vouch for it', () => {
    const record = seal(link({ type: 'T', data: { a: 1 }, metadata: {} }));
    const line = sealedLine(record);
    const { hash, ...rest } = record;
    const moved = { ...rest, data: { a: 1, hash }, hash };
    expect(linkHolds(moved, canonicalJson(moved))).toBe(false);
    expect(linkHolds(record, line)).toBe(true);
  });
});

describe('ChainWriter: the writer side of a chain', () => {
  it('given records, when sealed one after the other, then each link names the hash of the one before', () => {
    fc.assert(
      fc.property(fc.array(anyEvent(), { maxLength: 8 }), (events) => {
        const writer = new ChainWriter();
        const sealed = events.map((event, i) =>
          writer.next({ ...event, streamId: 's', streamPosition: i + 1, globalPosition: String(i + 1) }),
        );
        sealed.forEach((record, i) => {
          expect(record.prev).toBe(i === 0 ? GENESIS : sealed[i - 1]?.hash);
          expect(linkHolds(record, sealedLine(record))).toBe(true);
        });
        expect(writer.head).toStrictEqual({ length: events.length, hash: sealed.at(-1)?.hash ?? GENESIS });
      }),
    );
  });
});
