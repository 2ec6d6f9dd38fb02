import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';

/** A shape the library accepts from outside: the decoded value has only the named fields. */
type Decoded<P extends t.Props> = { readonly [K in keyof P]: t.TypeOf<P[K]> };

/** What `struct` does with a field it does not know: a typo in a command is an error, metadata may carry extras. */
export type ExtraFields = 'reject' | 'strip';

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Shows a received value in a message, briefly. */
export function preview(u: unknown): string {
  if (u === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof u === 'string' ? JSON.stringify(u) : (JSON.stringify(u) ?? String(u));
  } catch {
    text = Object.prototype.toString.call(u);
  }
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
}

// Codecs whose decoded value is the input itself: for these a passing `is` is the whole decoding,
// which spares the hot audit path a context array per field.
const plainCodecs = new WeakSet<t.Mixed>();
const plain = <C extends t.Mixed>(codec: C): C => {
  plainCodecs.add(codec);
  return codec;
};

/**
 * An object codec with required and optional fields whose errors name each field by its path
 * (io-ts' intersection would add index entries to the path).
 */
export function struct<R extends t.Props, O extends t.Props = Record<never, never>>(
  name: string,
  required: R,
  optional: O = {} as O,
  extra: ExtraFields = 'reject',
): t.Type<Decoded<R> & Partial<Decoded<O>>, Decoded<R> & Partial<Decoded<O>>, unknown> {
  type A = Decoded<R> & Partial<Decoded<O>>;
  const requiredKeys = Object.keys(required);
  const optionalKeys = Object.keys(optional);
  const known = new Set([...requiredKeys, ...optionalKeys]);
  const validate: t.Validate<unknown, A> = (u, c) => {
    if (!isRecord(u)) return t.failure(u, c, `must be an object (got ${preview(u)})`);
    const out: Record<string, unknown> = {};
    const errors: t.ValidationError[] = [];
    const field = (key: string, codec: t.Mixed): void => {
      if (plainCodecs.has(codec) && codec.is(u[key])) {
        out[key] = u[key];
        return;
      }
      const result = codec.validate(u[key], t.appendContext(c, key, codec, u[key]));
      if (E.isLeft(result)) errors.push(...result.left);
      else out[key] = result.right;
    };
    for (const key of requiredKeys) {
      if (!has(u, key) || u[key] === undefined)
        errors.push({
          value: undefined,
          context: t.appendContext(c, key, required[key] as t.Mixed, undefined),
          message: 'is required',
        });
      else field(key, required[key] as t.Mixed);
    }
    for (const key of optionalKeys)
      if (has(u, key) && u[key] !== undefined) field(key, optional[key] as t.Mixed);
    if (extra === 'reject')
      for (const key of Object.keys(u))
        if (!known.has(key))
          errors.push({
            value: u[key],
            context: t.appendContext(c, key, t.unknown, u[key]),
            message: 'is not a known field',
          });
    return errors.length > 0 ? t.failures(errors) : t.success(out as A);
  };
  const is = (u: unknown): u is A => E.isRight(validate(u, [{ key: '', type: t.unknown, actual: u }]));
  return new t.Type<A, A, unknown>(name, is, validate, (a) => a);
}

/** A string codec for one of a fixed set of values, which it keeps as `values`. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  name: string,
  values: V,
): t.Type<V[number], V[number], unknown> & { readonly values: V } {
  const allowed = new Set<string>(values);
  const is = (u: unknown): u is V[number] => typeof u === 'string' && allowed.has(u);
  const codec = new t.Type<V[number], V[number], unknown>(
    name,
    is,
    (u, c) =>
      is(u) ? t.success(u) : t.failure(u, c, `must be one of ${values.join(', ')} (got ${preview(u)})`),
    t.identity,
  );
  return plain(Object.assign(codec, { values }));
}

/** A codec for values of type A that pass a check, with the message that says why one does not. */
export function refined<A>(
  name: string,
  is: (u: unknown) => u is A,
  expectation: string,
): t.Type<A, A, unknown> {
  return plain(
    new t.Type<A, A, unknown>(
      name,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `must be ${expectation} (got ${preview(u)})`)),
      t.identity,
    ),
  );
}

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
