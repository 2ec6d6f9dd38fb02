import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import * as api from 'apss-domain';
import {
  anyCommand,
  anyEvent,
  assertProperty,
  corrupted,
  malformedInput,
  validHistory,
} from 'apss-domain/testing';

const isClass = (value: unknown): boolean =>
  typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * The typed functions trust their types (API.md): they are given decoded commands and events, the
 * states the library made and the stores the service built, and are not tried with anything else. Every other function takes what may
 * come from outside.
 */
const typed: ReadonlySet<string> = new Set([
  'decide',
  'evolve',
  'fold',
  'propose',
  'project',
  'projectAsOf',
  // A state the library made, and a store the service built: the store's own calls check the stream id.
  'encodeSnapshot',
  'restoreState',
  'takeSnapshot',
  // A record sealed from decoded events, whose strings are storable text: JSON that RFC 8785 can write
  // (a lone surrogate, which it cannot, is refused when an event is decoded).
  'sealedLine',
]);
const exported = Object.entries(api as Record<string, unknown>);
const functions = exported.filter(
  ([name, value]) => typeof value === 'function' && !isClass(value) && !typed.has(name),
) as [string, (...args: unknown[]) => unknown][];
const classes = exported.filter(([, value]) => isClass(value)) as [
  string,
  new (...args: unknown[]) => unknown,
][];
const codecs = exported.filter(
  ([, value]) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as api.RuleSet & { decode?: unknown }).decode === 'function',
) as [string, { decode: (u: unknown) => unknown; is: (u: unknown) => boolean }][];

// Arguments: malformed JSON mostly, mixed with values of the right kind so that deeper checks are reached.
const argument = fc.oneof(
  { weight: 3, arbitrary: malformedInput() },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom<unknown>(
        api.initialState,
        api.defaultRules,
        api.rules2023,
        api.reconciliation,
        api.overview,
        [],
      ),
      anyCommand(),
      anyEvent(),
      validHistory({ maxCommands: 6 }),
    ),
  },
);
const callArguments = fc.array(argument, { maxLength: 4 });

describe('no public function throws for any JSON value, hostile strings included', () => {
  it('the library exports functions, classes and codecs to try', () => {
    expect(functions.map(([name]) => name)).toEqual(
      expect.arrayContaining(['handle', 'decodeCommand', 'decodeEvent', 'audit', 'handleCommand']),
    );
  });

  for (const [name, fn] of functions)
    it(`${name} returns (or resolves) for any arguments`, async () => {
      await assertProperty(
        fc.asyncProperty(callArguments, async (args) => {
          const result = fn(...args);
          if (isThenable(result)) await result;
        }),
        { numRuns: 80 },
      );
    });

  for (const [name, Class] of classes)
    it(`new ${name} returns for any arguments`, () => {
      assertProperty(
        fc.property(callArguments, (args) => {
          new Class(...args);
        }),
        { numRuns: 50 },
      );
    });

  it('every exported codec decodes and checks any value without throwing', () => {
    assertProperty(
      fc.property(malformedInput(), (input) => {
        for (const [, codec] of codecs) {
          codec.decode(input);
          codec.is(input);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('malformed input is INVALID_COMMAND to decodeCommand and handle, and MALFORMED_EVENT to decodeEvent', () => {
    assertProperty(
      fc.property(malformedInput(), (input) => {
        const command = api.decodeCommand(input);
        expect(command).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
        expect(E.isLeft(command) && command.left.details?.length).toBeGreaterThan(0);
        expect(api.handle([], input)).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
        const event = api.decodeEvent(input);
        expect(event).toMatchObject(E.left({ code: 'MALFORMED_EVENT' }));
        expect(E.isLeft(event) && event.left.details.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a history entry broken in one place is INVALID_COMMAND to handle, naming history[i] and the field, and nothing is applied', () => {
    assertProperty(
      fc.property(
        validHistory({ maxCommands: 4 }),
        corrupted(anyEvent()),
        fc.nat(),
        anyCommand(),
        (events, corruption, at, command) => {
          const history: unknown[] = JSON.parse(JSON.stringify(events)) as unknown[];
          const index = at % (history.length + 1);
          history.splice(index, 0, corruption.input);
          const result = api.handle(history, command);
          const field =
            corruption.path === '(root)' ? `history[${index}]` : `history[${index}].${corruption.path}`;
          expect(result).toMatchObject(E.left({ code: 'INVALID_COMMAND' }));
          expect(E.isLeft(result) && result.left.details).toContain(field);
        },
      ),
      { numRuns: 200 },
    );
  });
});
