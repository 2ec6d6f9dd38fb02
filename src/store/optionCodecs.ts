import type * as t from 'io-ts';
import { problemsOf, refined, type FieldProblem } from '../lib/codec.js';

// What the options objects of the stores and of handleCommand decode the same way.

/** The problems of an `options` argument, each path starting `options.`. */
export const optionProblems = (errors: t.Errors): FieldProblem[] =>
  problemsOf(errors).map((p) => ({ ...p, path: `options.${p.path}` }));

/** A store's `seal` option: whether it keeps a hash chain over its log (docs/integrity.md). */
export const SealOption = refined('Seal', (u): u is boolean => typeof u === 'boolean', 'true or false');
