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
 * The progress at a position, and the events after it, as they were stepped: a view at or after its
 * position, up to where its events end, is gone on from (when it is no longer the latest) by a copy of
 * that progress and those events.
 */
type Snapshot<P> = { readonly progress: P; readonly at: number; readonly events: DomainEvent[] };

/**
 * What a view's progress can be had again from: the snapshot its line takes once it steps past the
 * view's position (or had taken before). Views hold it, not the line, so that a snapshot no view
 * holds any more is let go.
 */
type Cell<P> = { snapshot: Snapshot<P> | undefined };

/** Fewer events than this in a snapshot are not worth a new copy of the progress. */
const SHORTEST_SPAN = 1024;

/**
 * The progress behind views built one after another, stepped in place. Once it steps past a position
 * a view stands at, it keeps a copy of the progress there and the events since, in the cell that
 * view holds. The events kept grow until they are as many as the position the copy was taken at
 * (or SHORTEST_SPAN): the cell is then closed, and the next view stepped past takes a copy of its
 * own. So a copy of n events' progress is paid for by n events stepped after it, and what a view
 * that is no longer the latest costs to go on from (a copy and the events since, n at most) is never
 * paid by the views that are. A line no view was gone on from (a plain `project`) copies nothing.
 */
type Line<P> = {
  readonly progress: P;
  length: number;
  viewedAt: number;
  /** The cell the views at `length` hold: its snapshot, if any, has every event up to `length`. */
  cell: Cell<P>;
};
type Made<P> = { readonly line: Line<P>; readonly at: number; readonly cell: Cell<P> };

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
    made.set(view, { line, at: line.length, cell: line.cell });
    line.viewedAt = line.length;
    return view;
  };
  const lineAt = (progress: P, length: number): Line<P> => ({
    progress,
    length,
    viewedAt: -1,
    cell: { snapshot: undefined },
  });
  const fresh = (): Line<P> => lineAt(folding.start(), 0);
  /**
   * The line `init` stands on, which is never stepped: the projection lives as long as the process,
   * and a line stepped in place from its `init` would keep all the first chain of views came to.
   */
  const initLine = fresh();
  const lineOf = (view: unknown): Line<P> => {
    const entry = typeof view === 'object' && view !== null ? made.get(view) : undefined;
    if (entry === undefined)
      throw new TypeError(
        `${folding.name}: this view was not built by ${folding.name} in this process (a view parsed from JSON, say), ` +
          'so what it needs to go on from is not known: keep the saved progress instead ' +
          '(overviewProgress, reconciliationProgress and invoiceProgress save and load it), or project the log again',
      );
    const { line: from, at, cell } = entry;
    if (from === initLine) return fresh();
    if (at === from.length) return from;
    // Stepping past a view's position filled its cell (see `step`).
    const snapshot = cell.snapshot as Snapshot<P>;
    const line = lineAt(folding.copy(snapshot.progress), snapshot.at);
    for (const event of snapshot.events.slice(0, at - snapshot.at)) step(line, event);
    return line;
  };
  const step = (line: Line<P>, event: DomainEvent): void => {
    const { snapshot } = line.cell;
    if (snapshot !== undefined) {
      if (snapshot.events.length < Math.max(SHORTEST_SPAN, snapshot.at)) snapshot.events.push(event);
      else line.cell = { snapshot: undefined };
    } else if (line.viewedAt === line.length)
      line.cell.snapshot = { progress: folding.copy(line.progress), at: line.length, events: [event] };
    folding.step(line.progress, event);
    line.length += 1;
  };
  const projection: Projection<V> = Object.freeze({
    init: finish(initLine),
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
