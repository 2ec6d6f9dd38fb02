import type * as t from 'io-ts';
import { problemsOf, refined, type FieldProblem } from '../lib/codec.js';

// What the options objects of the stores and of handleCommand decode the same way.

/** A whole number from `min` to `max`. */
export const integerFrom = (name: string, min: number, max: number): t.Type<number, number, unknown> =>
  refined(
    name,
    (u): u is number => Number.isSafeInteger(u) && (u as number) >= min && (u as number) <= max,
    `an integer from ${min} to ${max}`,
  );

/** The problems of an `options` argument, each path starting `options.`. */
export const optionProblems = (errors: t.Errors): FieldProblem[] =>
  problemsOf(errors).map((p) => ({ ...p, path: `options.${p.path}` }));
