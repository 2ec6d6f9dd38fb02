import { isIterable, isRecord } from '../lib/codec.js';
import type { DomainEvent } from '../events/codecs.js';
import { isReadable } from './readable.js';

/** A read model: where it starts, and how one event changes it. `apply` returns a new view. */
export type Projection<V> = { readonly init: V; apply(view: V, event: DomainEvent): V };

/**
 * How a built-in projection takes a batch of events: into a private mutable accumulator that is read
 * out, frozen, once at the end. Applying events one `apply` at a time would copy the view per event.
 */
export type BatchFold<V, A> = {
  /**
   * A fresh accumulator continuing `view`, sharing nothing mutable with it. A value this fold did
   * not make (say, a view parsed from JSON) carries none of what the fold remembers, so it counts
   * as the empty view.
   */
  readonly resume: (view: unknown) => A;
  /** Takes one readable event into the accumulator. */
  readonly step: (accumulator: A, event: DomainEvent) => void;
  /** The frozen view; the accumulator is not used again after this. */
  readonly finish: (accumulator: A) => V;
};

const batchFolds = new WeakMap<object, BatchFold<unknown, unknown>>();

/** A projection whose `apply` is one step of `fold`, and which `project` runs a whole batch through. */
export function batchProjection<V, A>(fold: BatchFold<V, A>): Projection<V> {
  const init = fold.finish(fold.resume(undefined));
  const projection: Projection<V> = Object.freeze({
    init,
    apply(view: V, event: DomainEvent): V {
      const accumulator = fold.resume(view);
      if (isReadable(event)) fold.step(accumulator, event);
      return fold.finish(accumulator);
    },
  });
  batchFolds.set(projection, fold as BatchFold<unknown, unknown>);
  return projection;
}

/** Takes events one at a time, as they arrive, and gives the view when asked. */
export type Projector<V> = { push(event: DomainEvent): void; view(): V };

const isProjection = (u: unknown): u is Projection<unknown> => isRecord(u) && typeof u.apply === 'function';

/** A projector starting from `from` (the projection's `init` when omitted). */
export function projector<V>(projection: Projection<V>, from?: V): Projector<V> {
  const fold = isRecord(projection)
    ? (batchFolds.get(projection) as BatchFold<V, unknown> | undefined)
    : undefined;
  let view = from === undefined ? (projection as { init?: V } | undefined)?.init : from;
  if (fold !== undefined) {
    let accumulator: unknown;
    let open = false;
    return {
      push(event) {
        if (!isReadable(event)) return;
        if (!open) {
          accumulator = fold.resume(view);
          open = true;
        }
        fold.step(accumulator, event);
      },
      view() {
        if (open) {
          view = fold.finish(accumulator);
          open = false;
        }
        return view as V;
      },
    };
  }
  return {
    push(event) {
      if (isProjection(projection)) view = projection.apply(view as V, event);
    },
    view: () => view as V,
  };
}

/**
 * The view after `events`, from the projection's `init` or from a view it made earlier (`from`),
 * which is left as it was. Built-in projections take the whole batch in one private accumulator.
 */
export function project<V>(projection: Projection<V>, events: Iterable<DomainEvent>, from?: V): V {
  const run = projector(projection, from);
  if (isIterable(events)) for (const event of events) run.push(event as DomainEvent);
  return run.view();
}
