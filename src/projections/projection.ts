import type { DomainEvent } from '../events/codecs.js';

/** A read model: where it starts, and how one event changes it. `apply` returns a new view. */
export type Projection<V> = { readonly init: V; apply(view: V, event: DomainEvent): V };

/**
 * How a built-in projection goes on: its progress `P`, a private working value that `step` changes in
 * place (so a long log costs one step per event, never a copy of what came before), and the frozen
 * view read out of it.
 */
export type Folding<P, V> = {
  /** The name the projection is exported under, for the errors that name it. */
  readonly name: string;
  readonly start: () => P;
  readonly step: (progress: P, event: DomainEvent) => void;
  /** A frozen view of the progress, sharing nothing mutable with it. */
  readonly view: (progress: P) => V;
  /** A copy of the progress that steps on its own. */
  readonly copy: (progress: P) => P;
};

/**
 * The progress behind views built one after another. Once it steps past a position a view stands at,
 * it keeps a copy of the progress there and the events since: a view that is no longer the latest
 * (someone went on from it twice) is gone on from by replaying them. A line no view was gone on from
 * (a plain `project`) keeps no events.
 */
type Line<P> = {
  readonly progress: P;
  length: number;
  viewedAt: number;
  snapshot: { readonly progress: P; readonly at: number } | undefined;
  readonly events: DomainEvent[];
};
type Made<P> = { readonly line: Line<P>; readonly at: number };

/** What a built-in projection runs on: the line of progress behind one of its views, and the way on. */
type Runner = {
  readonly lineOf: (view: unknown) => Line<unknown>;
  readonly fresh: () => Line<unknown>;
  readonly step: (line: Line<unknown>, event: DomainEvent) => void;
  readonly finish: (line: Line<unknown>) => unknown;
  readonly made: (u: unknown) => boolean;
};

const runners = new WeakMap<object, Runner>();

/**
 * A projection whose `apply` and `project` run on a `Folding`. `apply` on the latest view steps the
 * progress behind it in place; only the view read out of it is new. A value the projection did not
 * build in this process (a view parsed from JSON, say) carries none of its progress: it is refused
 * with an error that says so, never taken for an empty view.
 */
export function foldingProjection<P, V extends object>(folding: Folding<P, V>): Projection<V> {
  const made = new WeakMap<object, Made<P>>();
  const finish = (line: Line<P>): V => {
    const view = folding.view(line.progress);
    made.set(view, { line, at: line.length });
    line.viewedAt = line.length;
    return view;
  };
  const lineAt = (progress: P, length: number): Line<P> => ({
    progress,
    length,
    viewedAt: -1,
    snapshot: undefined,
    events: [],
  });
  const fresh = (): Line<P> => lineAt(folding.start(), 0);
  const lineOf = (view: unknown): Line<P> => {
    const entry = typeof view === 'object' && view !== null ? made.get(view) : undefined;
    if (entry === undefined)
      throw new TypeError(
        `${folding.name}: this view was not built by ${folding.name} in this process (a view parsed from JSON, say), ` +
          'so what it needs to go on from is not known: keep the saved progress instead ' +
          '(overviewProgress, reconciliationProgress and invoiceProgress save and load it), or project the log again',
      );
    const { line: from, at } = entry;
    if (at === from.length) return from;
    // Stepping past a view's position took a snapshot at or before it (see `step`).
    const snapshot = from.snapshot as NonNullable<Line<P>['snapshot']>;
    const line = lineAt(folding.copy(snapshot.progress), snapshot.at);
    for (const event of from.events.slice(0, at - snapshot.at)) step(line, event);
    return line;
  };
  const step = (line: Line<P>, event: DomainEvent): void => {
    if (line.snapshot === undefined && line.viewedAt === line.length)
      line.snapshot = { progress: folding.copy(line.progress), at: line.length };
    folding.step(line.progress, event);
    line.length += 1;
    if (line.snapshot !== undefined) line.events.push(event);
  };
  const projection: Projection<V> = Object.freeze({
    init: finish(fresh()),
    apply(view: V, event: DomainEvent): V {
      const line = lineOf(view);
      step(line, event);
      return finish(line);
    },
  });
  runners.set(projection, {
    lineOf,
    fresh,
    step,
    finish,
    made: (u) => typeof u === 'object' && u !== null && made.has(u),
  } as Runner);
  return projection;
}

/** Whether a value is a view this built-in projection built (frozen, so still exactly what was built). */
export const isBuiltBy = (projection: Projection<unknown>, u: unknown): boolean =>
  runners.get(projection)?.made(u) ?? false;

/** Takes events one at a time, as they arrive, and gives the view when asked. */
export type Projector<V> = { push(event: DomainEvent): void; view(): V };

/**
 * A projector starting from `from` (the projection's `init` when omitted). It trusts its types: the
 * events are decoded ones, and `from` is a view the projection built.
 */
export function projector<V>(projection: Projection<V>, from?: V): Projector<V> {
  const runner = runners.get(projection);
  if (runner !== undefined) {
    const line = from === undefined ? runner.fresh() : runner.lineOf(from);
    return {
      push: (event) => runner.step(line, event),
      view: () => runner.finish(line) as V,
    };
  }
  let view = from === undefined ? projection.init : from;
  return {
    push(event) {
      view = projection.apply(view, event);
    },
    view: () => view,
  };
}

/**
 * The view after `events`, from the projection's `init` or from a view it built earlier (`from`),
 * which is left as it was.
 */
export function project<V>(projection: Projection<V>, events: Iterable<DomainEvent>, from?: V): V {
  const run = projector(projection, from);
  for (const event of events) run.push(event);
  return run.view();
}
