import type { DomainEvent } from '../events/codecs.js';

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
  /** Takes one event into the accumulator. */
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
      fold.step(accumulator, event);
      return fold.finish(accumulator);
    },
  });
  batchFolds.set(projection, fold as BatchFold<unknown, unknown>);
  return projection;
}

/** Takes events one at a time, as they arrive, and gives the view when asked. */
export type Projector<V> = { push(event: DomainEvent): void; view(): V };

/**
 * A projector starting from `from` (the projection's `init` when omitted). It trusts its types: the
 * events are decoded ones. Only `from` may be a view from elsewhere (parsed from JSON, say): a
 * built-in projection counts one it did not make as its empty view.
 */
export function projector<V>(projection: Projection<V>, from?: V): Projector<V> {
  const fold = batchFolds.get(projection) as BatchFold<V, unknown> | undefined;
  let view = from === undefined ? projection.init : from;
  if (fold !== undefined) {
    let accumulator: unknown;
    let open = false;
    return {
      push(event) {
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
      view = projection.apply(view, event);
    },
    view: () => view,
  };
}

/**
 * The view after `events`, from the projection's `init` or from a view it made earlier (`from`),
 * which is left as it was. Built-in projections take the whole batch in one private accumulator.
 */
export function project<V>(projection: Projection<V>, events: Iterable<DomainEvent>, from?: V): V {
  const run = projector(projection, from);
  for (const event of events) run.push(event);
  return run.view();
}
