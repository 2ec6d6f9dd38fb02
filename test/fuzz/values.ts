import fc, { type Arbitrary } from 'fast-check';
import { defaultRules } from 'apss-domain';
import { anyCommand, anyEvent, anyJson } from 'apss-domain/testing';

// Every kind of value a JavaScript caller can hand over: what JSON.parse returns, and what it cannot
// (Maps, Sets, typed arrays, bigints, symbols, functions, cycles, huge and sparse arrays, objects of
// any prototype or none). No value here runs code of its own when read: getters and Proxies are the
// caller's code, which the boundary lets throw back (see the README).

/** How many values each boundary function is given: `APSS_FUZZ_RUNS` (the nightly run), else a few for `npm test`. */
export const fuzzRuns = (quick: number): number => {
  const runs = Number(process.env.APSS_FUZZ_RUNS);
  return Number.isSafeInteger(runs) && runs > 0 ? runs : quick;
};

const cyclicObject = (): object => {
  const o: Record<string, unknown> = { type: 'SharedTenantCreated' };
  o.data = o;
  o.metadata = { at: o };
  return o;
};
const cyclicArray = (): unknown[] => {
  const a: unknown[] = [];
  a.push(a, { a });
  return a;
};
const withSymbolKeys = (): object => ({ [Symbol('type')]: 'SharedTenantCreated', [Symbol.iterator]: 1 });
const withHiddenFields = (): object =>
  Object.defineProperties({}, { type: { value: 'SharedTenantCreated', enumerable: false } });
const argumentsObject = function (..._: unknown[]) {
  // eslint-disable-next-line prefer-rest-params
  return arguments;
};

/** Values built once: some are large, and none is changed by what reads it. */
const specials: readonly unknown[] = [
  undefined,
  Object.create(Map.prototype),
  Object.create(Set.prototype),
  Object.create(String.prototype),
  Object.create(Array.prototype),
  Object.create(Uint8Array.prototype),
  Object.create(Date.prototype),
  Object.create(null),
  Object.setPrototypeOf(['GlobalAdmin', 'System'], null),
  Object.setPrototypeOf({ type: 'SharedTenantCreated' }, null),
  Object.create({ type: 'SharedTenantCreated', data: {}, metadata: {} }),
  cyclicObject(),
  cyclicArray(),
  new Array(2 ** 32 - 1),
  new Array(5000).fill(new Array(100_000)),
  new Array(5000).fill(new Array(100_000).fill(0)),
  Object.assign(new Array(1000), { 999: 'last' }),
  'x'.repeat(1_000_000),
  new String('y'.repeat(1_000_000)),
  new Number(1),
  new Boolean(false),
  Symbol('s'),
  Symbol.iterator,
  10n ** 10_000n,
  -(2n ** 64n),
  0n,
  () => 1,
  class Command {
    readonly type = 'CreateSharedTenant';
  },
  async function* records() {},
  new Uint8Array(1_000_000),
  new Float64Array([Number.NaN, -0, Infinity]),
  new BigInt64Array(4),
  new DataView(new ArrayBuffer(8)),
  new ArrayBuffer(16),
  new SharedArrayBuffer(8),
  new Map<unknown, unknown>([
    ['type', 'SharedTenantCreated'],
    [{}, []],
  ]),
  new Set([1, 'a', null]),
  new WeakMap(),
  new WeakSet(),
  new Date(Number.NaN),
  new Date(0),
  /a+/g,
  new Error('an error'),
  new TypeError('a type error'),
  Promise.resolve(1),
  Object.freeze({ type: 'UsageRecorded', data: Object.freeze({}), metadata: Object.freeze({}) }),
  withSymbolKeys(),
  withHiddenFields(),
  argumentsObject(1, 'two', {}),
  globalThis.Math,
  JSON,
  { length: 2 ** 32, 0: 'x' },
  { [Symbol.iterator]: null },
  { [Symbol.asyncIterator]: 'not a function' },
  { toString: () => 'never called', valueOf: 1, toJSON: 2 },
];

/** Any plain JavaScript value, JSON included, and the values above. */
export function anyValue(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: anyJson() },
    {
      weight: 3,
      arbitrary: fc.anything({
        maxDepth: 3,
        maxKeys: 5,
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        withUnicodeString: true,
        key: fc.oneof(
          fc.constantFrom('type', 'data', 'metadata', 'partnerId', 'at', 'actor', '__proto__', 'length'),
          fc.string({ maxLength: 6 }),
        ),
      }),
    },
    { weight: 2, arbitrary: fc.constantFrom(...specials) },
  );
}

type Path = readonly string[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const path = [...prefix, key];
    return [path, ...pathsOf((value as Record<string, unknown>)[key], path)];
  });
}

/** A copy of a message with the value at one of its paths (any depth) replaced by `value`. */
function implant(message: object, path: Path, value: unknown): unknown {
  const copy = structuredClone(message) as Record<string, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  Object.defineProperty(parent, path.at(-1) as string, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** A message of an arbitrary with one field, at any depth, replaced by any value: the decoders' deeper checks are reached. */
export function implanted(messages: Arbitrary<object>): Arbitrary<unknown> {
  return messages.chain((message) => {
    const paths = pathsOf(message);
    return paths.length === 0
      ? anyValue()
      : fc.tuple(fc.constantFrom(...paths), anyValue()).map(([path, value]) => implant(message, path, value));
  });
}

/** Commands: valid ones, ones with a field replaced by any value, and any value. */
export const anyCommandInput = (): Arbitrary<unknown> =>
  fc.oneof(anyCommand(), implanted(anyCommand()), anyValue());

/** Events (records of a log): valid ones, JSON of valid ones, ones with a field replaced, any value. */
export const anyEventInput = (): Arbitrary<unknown> =>
  fc.oneof(
    anyEvent(),
    anyEvent().map((event) => JSON.parse(JSON.stringify(event)) as unknown),
    implanted(anyEvent()),
    anyValue(),
  );

/** Rule sets: the library's own, one with a field replaced by any value, and any value. */
export const anyRulesInput = (): Arbitrary<unknown> =>
  fc.oneof(fc.constant(defaultRules), implanted(fc.constant(defaultRules)), anyValue());

/** An options object holding any value under each of the given names, or any value. */
export const anyOptions = (...names: readonly string[]): Arbitrary<unknown> =>
  fc.oneof(
    fc.record(Object.fromEntries(names.map((name) => [name, anyValue()])), { requiredKeys: [] }),
    anyValue(),
  );
