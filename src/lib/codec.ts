import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { preview } from './preview.js';
import { pushAll } from './arrays.js';

/** A shape the library accepts from outside: the decoded value has only the named fields. */
type Decoded<P extends t.Props> = { readonly [K in keyof P]: t.TypeOf<P[K]> };
/**
 * Optional fields, which a value may leave out or give as undefined (a struct reads both as absent):
 * so a consumer under exactOptionalPropertyTypes may pass `{ field: maybe }`.
 */
type DecodedOptional<P extends t.Props> = { readonly [K in keyof P]?: t.TypeOf<P[K]> | undefined };

/** What `struct` does with a field it does not know: a typo in a command is an error, metadata may carry extras. */
export type ExtraFields = 'reject' | 'strip';

/**
 * Objects with an own property per element or character (typed arrays, String objects): never a
 * message or an options object, and listing their keys would make a string for each element.
 */
const isIndexed = (o: object): boolean => ArrayBuffer.isView(o) || o instanceof String;

/** An object to read fields from: not an array, nor an object indexed like one, nor a revoked Proxy. */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && isReadable(u) && !Array.isArray(u) && !isIndexed(u);

/** Whether an object can be looked at: a revoked Proxy throws at the first look, and runs no code of anyone's. */
export function isReadable(o: object): boolean {
  try {
    Array.isArray(o);
    return true;
  } catch {
    return false;
  }
}

/** `Array.isArray`, false for a revoked Proxy (which it throws for): decoders ask it of any value. */
export function isArray(u: unknown): u is unknown[] {
  try {
    return Array.isArray(u);
  } catch {
    return false;
  }
}

/** An object whose fields a quick decoder may read: not an array, nor a revoked Proxy. */
const hasFields = (u: object): boolean => {
  try {
    return !Array.isArray(u);
  } catch {
    return false;
  }
};

const isObjectLike = (u: unknown): u is object =>
  ((typeof u === 'object' && u !== null) || typeof u === 'function') && isReadable(u);

/** Whether a value is a collection to iterate (a string, iterable though it is, is not one). */
export const isIterable = (u: unknown): u is Iterable<unknown> =>
  isObjectLike(u) && typeof (u as Iterable<unknown>)[Symbol.iterator] === 'function';

export const isAsyncIterable = (u: unknown): u is AsyncIterable<unknown> =>
  isObjectLike(u) && typeof (u as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

export { preview } from './preview.js';

/** What a quick decoder answers for a value it does not take. */
export const REFUSED: unique symbol = Symbol('refused');

/**
 * Leaf codecs can decode without an io-ts context: the hot audit path then allocates no context
 * array per field. A quick decoder answers the decoded value or REFUSED, and only on REFUSED does
 * `struct` run the codec's own validate, for the message.
 */
const quickDecoders = new WeakMap<t.Mixed, (u: unknown) => unknown>();
export const withQuickDecoder = <C extends t.Mixed>(
  codec: C,
  quick: (u: unknown) => t.TypeOf<C> | typeof REFUSED,
): C => {
  quickDecoders.set(codec, quick);
  return codec;
};

/** A codec's quick decoder, if it has one. */
export const quickDecoderOf = (codec: t.Decoder<unknown, unknown>): ((u: unknown) => unknown) | undefined =>
  quickDecoders.get(codec as t.Mixed);

type Field = {
  readonly key: string;
  readonly codec: t.Mixed;
  readonly quick: ((u: unknown) => unknown) | undefined;
};
const fieldsOf = (props: t.Props): readonly Field[] =>
  Object.entries(props).map(([key, codec]) => ({ key, codec, quick: quickDecoders.get(codec) }));

/** Decodes one field's value into `out`; answers its errors, or undefined when it took. */
function decodeField(
  out: Record<string, unknown>,
  field: Field,
  value: unknown,
  c: t.Context,
): t.Errors | undefined {
  const fast = field.quick === undefined ? REFUSED : field.quick(value);
  if (fast !== REFUSED) {
    out[field.key] = fast;
    return undefined;
  }
  const result = field.codec.validate(value, t.appendContext(c, field.key, field.codec, value));
  if (E.isLeft(result)) return result.left;
  out[field.key] = result.right;
  return undefined;
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
// An indexed object counts as no struct's keys, so that a quick decoder leaves it to validate.
const ownKeyCount = (o: object): number => (isIndexed(o) ? -1 : Object.getOwnPropertyNames(o).length);

/** Unknown fields named one by one in an error; the rest are counted in one more. */
const MAX_UNKNOWN_NAMED = 10;

type Quick = (u: unknown) => unknown;

/**
 * The quick decoder of a struct whose fields all have one, written out for its fields: a loop over
 * them would read and write properties by computed keys, which costs the audit about a microsecond an
 * event. It takes exactly what the struct's validate takes, and gives the same value; anything else
 * (a problem, an unusual object) it leaves to validate. The keys are the library's own field names.
 */
function generatedQuickStruct(
  required: readonly Field[],
  optional: readonly Field[],
  extra: ExtraFields,
  quicks: readonly Quick[],
): Quick {
  const key = (field: Field) => JSON.stringify(field.key);
  const body = [
    'if (typeof u !== "object" || u === null || !hasFields(u)) return REFUSED;',
    'let present = 0;',
    // As validate does: a field is read only once it is known to be the object's own.
    ...required.flatMap((field, i) => [
      `if (!hasOwn(u, ${key(field)})) return REFUSED;`,
      `const d${i} = q${i}(u[${key(field)}]);`,
      `if (d${i} === REFUSED) return REFUSED;`,
    ]),
    ...optional.flatMap((field, j) => {
      const i = required.length + j;
      return [
        `let d${i} = hasOwn(u, ${key(field)}) ? u[${key(field)}] : undefined;`,
        `if (d${i} !== undefined) {`,
        `  d${i} = q${i}(d${i});`,
        `  if (d${i} === REFUSED) return REFUSED;`,
        '  present += 1;',
        '}',
      ];
    }),
    // Every own key (enumerable or not) is one of the fields found: there is no other to refuse.
    extra === 'reject' ? `if (ownKeyCount(u) !== ${required.length} + present) return REFUSED;` : '',
    `const out = { ${required.map((field, i) => `${key(field)}: d${i}`).join(', ')} };`,
    ...optional.map(
      (field, j) =>
        `if (d${required.length + j} !== undefined) out[${key(field)}] = d${required.length + j};`,
    ),
    'return out;',
  ];
  const parameters = quicks.map((_, i) => `q${i}`);
  const make = new Function(
    'REFUSED',
    'hasOwn',
    'ownKeyCount',
    'hasFields',
    ...parameters,
    `return function quickStruct(u) {\n${body.filter((line) => line !== '').join('\n')}\n};`,
  ) as (...args: unknown[]) => Quick;
  return make(REFUSED, hasOwn, ownKeyCount, hasFields, ...quicks);
}

/** The same decoder as a loop over the fields, for where code cannot be generated: same checks, same order, same value. */
function loopQuickStruct(
  required: readonly Field[],
  optional: readonly Field[],
  extra: ExtraFields,
  quicks: readonly Quick[],
): Quick {
  const requiredQuicks = quicks.slice(0, required.length);
  const optionalQuicks = quicks.slice(required.length);
  return (u) => {
    if (typeof u !== 'object' || u === null || !hasFields(u)) return REFUSED;
    const out: Record<string, unknown> = {};
    for (const [i, field] of required.entries()) {
      if (!hasOwn(u, field.key)) return REFUSED;
      const decoded = (requiredQuicks[i] as Quick)((u as Record<string, unknown>)[field.key]);
      if (decoded === REFUSED) return REFUSED;
      out[field.key] = decoded;
    }
    let present = 0;
    for (const [j, field] of optional.entries()) {
      const value = hasOwn(u, field.key) ? (u as Record<string, unknown>)[field.key] : undefined;
      if (value === undefined) continue;
      const decoded = (optionalQuicks[j] as Quick)(value);
      if (decoded === REFUSED) return REFUSED;
      out[field.key] = decoded;
      present += 1;
    }
    if (extra === 'reject' && ownKeyCount(u) !== required.length + present) return REFUSED;
    return out;
  };
}

/**
 * Whether this process may compile code from strings (`node --disallow-code-generation-from-strings`
 * or a content security policy may forbid it). Asked once, by the first struct made, and never an
 * error: where it is forbidden the structs loop over their fields instead.
 */
let codeGeneration: boolean | undefined;
export function mayGenerateCode(): boolean {
  if (codeGeneration === undefined)
    try {
      codeGeneration = (new Function('return true') as () => unknown)() === true;
    } catch {
      codeGeneration = false;
    }
  return codeGeneration;
}

/** How a struct decodes a value that is all right: generated code where allowed, else a loop over its fields; or always field by field with a context (`false`). */
export type QuickMode = 'generated' | 'loop' | false;

/**
 * A struct's quick decoder, if all its fields have one. It is made with the struct, not on its first
 * call: a stand-in that made it later would be one function shared by every struct, and calls through
 * it cost the audit as much as the generated code saves.
 */
function quickStruct(
  required: readonly Field[],
  optional: readonly Field[],
  extra: ExtraFields,
  mode: 'generated' | 'loop',
): Quick | undefined {
  const quicks = [...required, ...optional].map((field) => field.quick);
  if (!quicks.every((quick) => quick !== undefined)) return undefined;
  const make = mode === 'generated' && mayGenerateCode() ? generatedQuickStruct : loopQuickStruct;
  return make(required, optional, extra, quicks);
}

/**
 * An object codec with required and optional fields whose errors name each field by its path
 * (io-ts' intersection would add index entries to the path).
 */
export function struct<R extends t.Props, O extends t.Props = Record<never, never>>(
  name: string,
  required: R,
  optional: O = {} as O,
  extra: ExtraFields = 'reject',
  { quick: mode = 'generated' }: { readonly quick?: QuickMode } = {},
): t.Type<Decoded<R> & DecodedOptional<O>, Decoded<R> & DecodedOptional<O>, unknown> {
  type A = Decoded<R> & DecodedOptional<O>;
  const requiredFields = fieldsOf(required);
  const optionalFields = fieldsOf(optional);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  // Without a quick decoder (as the tests build one), every value goes field by field.
  const quick = mode === false ? undefined : quickStruct(requiredFields, optionalFields, extra, mode);
  const validate: t.Validate<unknown, A> = (u, c) => {
    if (quick !== undefined) {
      const fast = quick(u);
      if (fast !== REFUSED) return t.success(fast as A);
    }
    if (!isRecord(u)) return t.failure(u, c, `must be an object (got ${preview(u)})`);
    const out: Record<string, unknown> = {};
    let errors: t.ValidationError[] | undefined;
    for (const field of requiredFields) {
      const value = hasOwn(u, field.key) ? u[field.key] : undefined;
      const problems =
        value === undefined
          ? [{ value, context: t.appendContext(c, field.key, field.codec, value), message: 'is required' }]
          : decodeField(out, field, value, c);
      if (problems !== undefined) pushAll((errors ??= []), problems);
    }
    for (const field of optionalFields) {
      const value = hasOwn(u, field.key) ? u[field.key] : undefined;
      const problems = value === undefined ? undefined : decodeField(out, field, value, c);
      if (problems !== undefined) pushAll((errors ??= []), problems);
    }
    if (extra === 'reject') {
      let unknown = 0;
      for (const key in u)
        if (hasOwn(u, key) && !known.has(key) && ++unknown <= MAX_UNKNOWN_NAMED)
          (errors ??= []).push({
            value: u[key],
            context: t.appendContext(c, key, t.unknown, u[key]),
            message: 'is not a known field',
          });
      if (unknown > MAX_UNKNOWN_NAMED)
        (errors ??= []).push({
          value: u,
          context: c,
          message: `has ${unknown - MAX_UNKNOWN_NAMED} more fields that are not known`,
        });
    }
    return errors === undefined ? t.success(out as A) : t.failures(errors);
  };
  const is = (u: unknown): u is A => E.isRight(validate(u, [{ key: '', type: t.unknown, actual: u }]));
  const codec = new t.Type<A, A, unknown>(name, is, validate, (a) => a);
  return quick === undefined ? codec : withQuickDecoder(codec, quick as (u: unknown) => A | typeof REFUSED);
}

/** A string codec for one of a fixed set of values, which it keeps as `values`; it decodes to the value itself. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  name: string,
  values: V,
): t.Type<V[number], V[number], unknown> & { readonly values: V } {
  // Decoding to the library's own string makes later comparisons and lookups by it cheap.
  const canonical = new Map<unknown, V[number]>(values.map((v) => [v, v]));
  const is = (u: unknown): u is V[number] => typeof u === 'string' && canonical.has(u);
  const codec = new t.Type<V[number], V[number], unknown>(
    name,
    is,
    (u, c) => {
      const value = canonical.get(u);
      return value === undefined
        ? t.failure(u, c, `must be one of ${values.join(', ')} (got ${preview(u)})`)
        : t.success(value);
    },
    t.identity,
  );
  return withQuickDecoder(Object.assign(codec, { values }), (u) => canonical.get(u) ?? REFUSED);
}

/** A codec for values of type A that pass a check, with the message that says why one does not. */
export function refined<A>(
  name: string,
  is: (u: unknown) => u is A,
  expectation: string,
): t.Type<A, A, unknown> {
  return withQuickDecoder(
    new t.Type<A, A, unknown>(
      name,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `must be ${expectation} (got ${preview(u)})`)),
      t.identity,
    ),
    (u) => (is(u) ? u : REFUSED),
  );
}

/** The whole numbers from `min` to `max` (none past the largest exact one), each a number as it is. */
export const integerFrom = (
  name: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): t.Type<number, number, unknown> =>
  refined(
    name,
    (u): u is number => Number.isSafeInteger(u) && (u as number) >= min && (u as number) <= max,
    max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
  );

/** One problem with an input: the field path (`data.quantity`, `(root)` for the value itself) and why. */
export type FieldProblem = { readonly path: string; readonly reason: string };

export function problemsOf(errors: t.Errors): readonly FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const path =
      error.context
        .map((entry) => entry.key)
        .filter((key) => key !== '')
        .join('.') || '(root)';
    const reason = error.message ?? `is not valid (got ${preview(error.value)})`;
    const id = `${path}\u0000${reason}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push({ path, reason });
  }
  return problems;
}

export const describeProblems = (problems: readonly FieldProblem[]): string =>
  problems.map((p) => (p.path === '(root)' ? `the input ${p.reason}` : `${p.path} ${p.reason}`)).join('; ');

/** A message `{ type, data, metadata }`; fields beside those three (a store's own bookkeeping) are dropped. */
export const message = <const K extends string, D extends t.Mixed, M extends t.Mixed>(
  type: K,
  data: D,
  metadata: M,
) => struct(type, { type: oneOf(type, [type]), data, metadata }, {}, 'strip');
