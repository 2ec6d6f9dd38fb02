import fc, { type Arbitrary } from 'fast-check';
import { isRecord, preview } from '../lib/codec.js';
import { MAX_ID_LENGTH } from '../lib/ids.js';
import { anyCommand, anyEvent } from './messages.js';

/** Inputs a decoder must refuse without throwing: any JSON, hostile values, near misses. */

/** Strings that have broken parsers and decoders before, JSON-safe all of them. */
export const hostileStrings: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u001b[31mred',
  '\r\n',
  '\ud800',
  '\ufeff',
  '__proto__',
  'constructor',
  'x'.repeat(MAX_ID_LENGTH + 1),
  'x'.repeat(10_000),
  '2019-03-01T00:00:00Z',
  '2019-03-01T00:00:00',
  '2019-02-29T00:00:00Z',
  '2019-03-01T24:00:00Z',
  '2019-03-01T00:00:60Z',
  '2019-03-01T00:00:00+24:00',
  '+002019-03-01T00:00:00Z',
  '2019-03-01',
  '2019-13-01',
  '0000-00-00',
  'NaN',
  '-0',
  '1e309',
  'CreateSharedTenant',
  'MarketplaceOfferDeployed',
  'GlobalAdmin ',
  'globaladmin',
  'BYOL',
  'eur',
  '{"type":"CreateSharedTenant"}',
  'null',
];

const hostileKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'then',
  'type',
  'data',
  'metadata',
  'actor',
  'at',
  'partnerId',
  'schemaVersion',
];

/** Objects that break code turning a value into a string or looking it up by key. */
const hostileObjects: readonly string[] = [
  '{"toString":null}',
  '{"valueOf":null,"toString":1}',
  '{"__proto__":{"type":"CreateSharedTenant"}}',
  '{"constructor":{"prototype":{}}}',
  '{"length":-1}',
  '{"then":0}',
];

/** Any JSON value (what JSON.parse can return), hostile strings, keys, numbers and objects weighted in. */
export function anyJson(): Arbitrary<unknown> {
  const string = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ unit: 'binary' }));
  const number = fc.oneof(
    fc.constantFrom(0, -0, 1, -1, 0.1, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  );
  const key = fc.oneof(fc.constantFrom(...hostileKeys), fc.string({ unit: 'binary', maxLength: 8 }));
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      number,
      string,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      fc.constantFrom(...hostileObjects).map((text) => JSON.parse(text) as unknown),
    ),
  }));
  // Through JSON and back: exactly what a parser hands over, `__proto__` as an own key included.
  return value.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

/** A message broken in one place: which field (its path, as decoders report it) and how. */
export type Corruption = {
  readonly input: unknown;
  readonly path: string;
  readonly how: 'removed' | 'replaced' | 'added';
};

// Fields a message may go without (removing one leaves it valid, or changes its schema version).
const optionalFields = new Set([
  'data.subscriptionName',
  'metadata.commandId',
  'metadata.correlationId',
  'metadata.causationId',
  'metadata.eventId',
  'metadata.schemaVersion',
]);
// Objects whose unknown fields are refused (metadata and the message itself drop theirs).
const closedObjects = ['data', 'metadata.actor'];

const pathsOf = (value: Record<string, unknown>, prefix = ''): string[] =>
  Object.keys(value).flatMap((key) => {
    const path = prefix + key;
    const inner = value[key];
    return isRecord(inner) ? [path, ...pathsOf(inner, `${path}.`)] : [path];
  });

/** Values no field of the current type accepts: wrong kinds, and strings or numbers out of every range. */
function wrongFor(current: unknown): Arbitrary<unknown> {
  if (typeof current === 'string')
    return fc.constantFrom<unknown>(null, false, 0, 1, [], {}, '', '\u0000', 'x'.repeat(MAX_ID_LENGTH + 1));
  if (typeof current === 'number') return fc.constantFrom<unknown>(null, '1', -1, [], {}, true);
  return fc.constantFrom<unknown>(null, true, 0, 'x', []);
}

const at = (root: Record<string, unknown>, path: string): [Record<string, unknown>, string] => {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent = root;
  for (const key of keys) parent = parent[key] as Record<string, unknown>;
  return [parent, last];
};

const valueAt = (root: Record<string, unknown>, path: string): unknown => {
  const [parent, key] = at(root, path);
  return parent[key];
};

const setOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

/**
 * Breaks each message of an arbitrary in one place, so that no decoder may accept it: removes a
 * required field, replaces a field with a value of the wrong kind, or adds an unknown field where
 * unknown fields are refused.
 */
export function corrupted(messages: Arbitrary<object>): Arbitrary<Corruption> {
  if (!(messages instanceof fc.Arbitrary))
    throw new TypeError(
      `corrupted: messages must be a fast-check Arbitrary of messages, like anyCommand() (got ${preview(messages)})`,
    );
  return messages.chain((message) => {
    const paths = pathsOf(message as Record<string, unknown>);
    const removable = paths.filter((path) => !optionalFields.has(path));
    const open = closedObjects.filter((path) => paths.includes(path));
    const copy = () => structuredClone(message) as Record<string, unknown>;
    const ways: Arbitrary<Corruption>[] = [];
    // fc.constantFrom needs at least one value: a way of breaking a message is offered where it applies.
    if (removable.length > 0)
      ways.push(
        fc.constantFrom(...removable).map((path): Corruption => {
          const input = copy();
          const [parent, key] = at(input, path);
          Reflect.deleteProperty(parent, key);
          return { input, path, how: 'removed' };
        }),
      );
    if (paths.length > 0)
      ways.push(
        fc.constantFrom(...paths).chain((path) =>
          wrongFor(valueAt(message as Record<string, unknown>, path)).map((value): Corruption => {
            const input = copy();
            const [parent, key] = at(input, path);
            setOwn(parent, key, value);
            return { input, path, how: 'replaced' };
          }),
        ),
      );
    if (open.length > 0)
      ways.push(
        fc
          .tuple(
            fc.constantFrom(...open),
            fc.constantFrom('extra', 'Type', 'partnerID', '__proto__', 'constructor'),
          )
          .map(([object, key]): Corruption => {
            const input = copy();
            const [parent, field] = at(input, object);
            setOwn(parent[field] as Record<string, unknown>, key, 'unexpected');
            return { input, path: `${object}.${key}`, how: 'added' };
          }),
      );
    // A message with no field at all can only be replaced whole.
    return ways.length > 0
      ? fc.oneof(...ways)
      : fc.constant<Corruption>({ input: null, path: '(root)', how: 'replaced' });
  });
}

/**
 * Malformed inputs: any JSON value (hostile strings, keys and numbers weighted in) or a command or
 * event broken in one place.
 */
export function malformedInput(): Arbitrary<unknown> {
  return fc.oneof(
    anyJson(),
    corrupted(anyCommand()).map((c) => c.input),
    corrupted(anyEvent()).map((c) => c.input),
  );
}
