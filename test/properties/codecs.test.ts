import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCommand, decodeEvent, eventCodecs, type DomainEvent } from 'apss-domain';
import {
  anyCommand,
  anyEvent,
  assertProperty,
  corrupted,
  legacyEvent,
  validHistory,
} from 'apss-domain/testing';

const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const encode = (event: DomainEvent): unknown =>
  (eventCodecs[event.type] as { encode: (e: DomainEvent) => unknown }).encode(event);
type Decoder = (
  u: unknown,
) => E.Either<{ readonly code: string; readonly details?: readonly string[] }, unknown>;
const utc = (instant: string): string => new Date(Date.parse(instant)).toISOString();

describe('codecs round-trip and upcasting is idempotent', () => {
  it('every event survives encode, JSON and decode unchanged', () => {
    assertProperty(
      fc.property(anyEvent(), (event) => {
        expect(decodeEvent(throughJson(encode(event)))).toEqual(E.right(event));
      }),
      { numRuns: 300 },
    );
  });

  it('every event decide records survives JSON and decode unchanged', () => {
    assertProperty(
      fc.property(validHistory(), (history) => {
        for (const event of history) expect(decodeEvent(throughJson(event))).toEqual(E.right(event));
      }),
      { numRuns: 100 },
    );
  });

  it('every command decodes to itself with its instant in UTC, and decoding that again changes nothing', () => {
    assertProperty(
      fc.property(anyCommand(), (command) => {
        const expected = { ...command, metadata: { ...command.metadata, at: utc(command.metadata.at) } };
        const decoded = decodeCommand(throughJson(command));
        expect(decoded).toEqual(E.right(expected));
        expect(decodeCommand(throughJson(expected))).toEqual(E.right(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('an old record is upcast to the current version, and decoding the result again changes nothing', () => {
    assertProperty(
      fc.property(legacyEvent(), ({ record, upcast }) => {
        expect(decodeEvent(throughJson(record))).toEqual(E.right(upcast));
        expect(decodeEvent(throughJson(upcast))).toEqual(E.right(upcast));
      }),
      { numRuns: 200 },
    );
  });

  const brokenMessages: readonly (readonly [string, string, fc.Arbitrary<object>, Decoder])[] = [
    ['command', 'INVALID_COMMAND', anyCommand(), decodeCommand],
    ['event', 'MALFORMED_EVENT', anyEvent(), decodeEvent],
  ];
  it.each(brokenMessages)('a %s broken in one place is %s naming that field', (_, code, messages, decode) => {
    assertProperty(
      fc.property(corrupted(messages), ({ input, path }) => {
        const decoded = decode(input);
        expect(decoded).toMatchObject(E.left({ code }));
        expect(E.isLeft(decoded) && decoded.left.details).toContain(path);
      }),
      { numRuns: 300 },
    );
  });
});
