import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { DomainEvent } from '../events/codecs.js';
import { problemsOf, struct } from '../lib/codec.js';
import type { Folding } from './projection.js';
import { fieldPath, listOf } from './viewCodecs.js';

/** Why saved progress cannot be gone on from: the field paths at fault and what is wrong with each. */
export type ProgressFailure = { code: 'MALFORMED_PROGRESS'; message: string; details: readonly string[] };

declare const progressBrand: unique symbol;

/**
 * A projection's progress, opaque: only its projection's `step`, `view` and `save` read it. `Name`
 * tells the progress of one projection from another's.
 */
export type Progress<Name extends string> = { readonly [progressBrand]: Name };

/**
 * A projection's progress made explicit, so that a read model can outlive the process: `save` gives a
 * JSON value, and `load` of it goes on exactly where `save` left off. `step` changes the progress it is
 * given (and returns it); `view` reads a frozen view out of it.
 */
export type ProjectionProgress<P, V> = {
  start(): P;
  step(progress: P, event: DomainEvent): P;
  view(progress: P): V;
  save(progress: P): unknown;
  /** Saved progress comes from outside: decoded once, and refused with the fields at fault. */
  load(json: unknown): E.Either<ProgressFailure, P>;
};

/** A failure of `load` naming one field of the saved progress. */
export const refuseAt = (path: string, reason: string): ProgressFailure => ({
  code: 'MALFORMED_PROGRESS',
  message: `the saved progress cannot be loaded: ${path} ${reason}`,
  details: [path],
});

/**
 * The progress API of a folding: `load` decodes with `codec`, then `rebuild` makes the working
 * progress of the decoded value (a `Left` when its parts contradict each other).
 */
export function progressOf<Name extends string, P, V, S>(
  folding: Folding<P, V>,
  codec: t.Type<S, unknown, unknown>,
  save: (progress: P) => S,
  rebuild: (saved: S) => E.Either<ProgressFailure, P>,
): ProjectionProgress<Progress<Name>, V> {
  const api: ProjectionProgress<P, V> = Object.freeze({
    start: folding.start,
    step(progress: P, event: DomainEvent): P {
      folding.step(progress, event);
      return progress;
    },
    view: folding.view,
    save,
    load(json: unknown): E.Either<ProgressFailure, P> {
      const decoded = codec.decode(json);
      if (E.isRight(decoded)) return rebuild(decoded.right);
      const problems = problemsOf(decoded.left).map(({ path, reason }) => ({
        path: fieldPath(path),
        reason,
      }));
      return E.left({
        code: 'MALFORMED_PROGRESS',
        message: `the saved progress cannot be loaded: ${problems.map(({ path, reason }) => `${path} ${reason}`).join('; ')}`,
        details: problems.map(({ path }) => path),
      });
    },
  });
  // The working value is the projection's own; users hold it only as the opaque `Progress`.
  return api as unknown as ProjectionProgress<Progress<Name>, V>;
}

/**
 * The saved form of a projection's progress: which projection, the form's version, its lines, and what
 * else it must remember to go on (`rest`).
 */
export const savedForm = <P extends string, L extends t.Mixed, R extends t.Props>(
  projection: P,
  lineCodec: L,
  rest: R,
) =>
  struct(`Saved ${projection}`, {
    projection: t.literal(projection),
    version: t.literal(1),
    lines: listOf(`${projection} lines`, lineCodec, `${projection} lines`),
    ...rest,
  });
