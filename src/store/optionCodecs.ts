import type * as t from 'io-ts';
import { problemsOf, type FieldProblem } from '../lib/codec.js';

// What the options objects of the stores and of handleCommand decode the same way.

/** The problems of an `options` argument, each path starting `options.`. */
export const optionProblems = (errors: t.Errors): FieldProblem[] =>
  problemsOf(errors).map((p) => ({ ...p, path: `options.${p.path}` }));
