import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { problemsOf } from '../lib/codec.js';
import { Instant, instantMs } from '../lib/time.js';
import type { DomainEvent } from '../events/codecs.js';
import { project, type Projection } from './projection.js';

/**
 * Whether an event happened at or before an instant, for time travel: `asOf('2024-02-01T00:00:00+01:00')`.
 * Instants are compared as instants, whatever offset either was written with. A value that is not
 * an ISO-8601 instant with Z or an offset is refused with the reason.
 */
export function asOf(instant: unknown): E.Either<string, (event: DomainEvent) => boolean> {
  const decoded = Instant.decode(instant);
  if (E.isLeft(decoded))
    return E.left(
      `as-of ${problemsOf(decoded.left)
        .map((problem) => problem.reason)
        .join('; ')}`,
    );
  const limit = instantMs(decoded.right);
  return E.right((event) => instantMs(event.metadata.at) <= limit);
}

function* only<A>(items: Iterable<A>, keep: (item: A) => boolean): Iterable<A> {
  for (const item of items) if (keep(item)) yield item;
}

/** The view from the events at or before `instant`, wherever they stand in the log. */
export function projectAsOf<V>(
  projection: Projection<V>,
  events: Iterable<DomainEvent>,
  instant: unknown,
): E.Either<string, V> {
  return pipe(
    asOf(instant),
    E.map((keep) => project(projection, only(events, keep))),
  );
}
