import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import type { InvoiceLine } from '../projections/invoice.js';
import type { Timeline } from './data.js';

/** The Marketplace cutoff of R11, the same instant in both rule sets. */
export const MARKETPLACE_CUTOFF = '2019-03-01T00:00:00.000Z';

/** The values of a chart's named data sets, by name. */
export type ChartData = Readonly<Record<string, readonly object[]>>;

/** The values of a chart's params, by name. */
export type ChartParams = Readonly<Record<string, unknown>>;

/** The name of the data set of a chart with one. */
export const VALUES = 'values';

/** The name of the param of a counts chart that says what it counts by. */
export const NOUN = 'noun';

/** The params of `countsChart`: what its names are (a code, a partner). */
export const countsParams = (noun: string): ChartParams => ({ [NOUN]: noun });

/** The data of `countsChart`. */
export const countsData = (
  counts: readonly { readonly name: string; readonly count: number }[],
): ChartData => ({
  [VALUES]: counts.map(({ name, count }) => ({ name, count })),
});

/** The months and instants of all timelines, for one time axis they share. */
export function timeDomain(timelines: readonly Timeline[]): readonly [string, string] {
  let first = MARKETPLACE_CUTOFF;
  let last = MARKETPLACE_CUTOFF;
  for (const { months, marks } of timelines) {
    for (const { month } of months) {
      const start = `${month}-01T00:00:00.000Z`;
      if (start < first) first = start;
      const next = nextMonth(month);
      if (next > last) last = next;
    }
    for (const { at } of marks) {
      if (at < first) first = at;
      if (at > last) last = at;
    }
  }
  return [first, last];
}

function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12
    ? `${year + 1}-01-01T00:00:00.000Z`
    : `${year}-${String(m + 1).padStart(2, '0')}-01T00:00:00.000Z`;
}

/** The names of a timeline's data sets, one per layer that shows a partner's own data. */
export const MONTHS = 'months';
export const MARKS = 'marks';
/** The name of the param that holds the time axis's first and last instant, in ms since the epoch. */
export const TIME_DOMAIN = 'timeDomain';

/** The params of `timelineChart`: the time axis from the first to the last of `domain`. */
export const timelineParams = (domain: readonly [string, string]): ChartParams => ({
  [TIME_DOMAIN]: domain.map((instant) => Date.parse(instant)),
});

/** One partner's data sets for `timelineChart`. */
export function timelineData(timeline: Timeline): ChartData {
  return {
    [MONTHS]: timeline.months.map(({ month, events }) => ({
      start: `${month}-01T00:00:00.000Z`,
      end: nextMonth(month),
      events,
    })),
    [MARKS]: timeline.marks.map(({ at, code, position }) => ({ at, code, position })),
  };
}

/** The data of `consumptionChart`. */
export const consumptionData = (lines: readonly InvoiceLine[]): ChartData => ({
  [VALUES]: lines.map(({ partnerId, month, currency, total }) => ({
    series: `${partnerId} (${currency})`,
    month: `${month}-01T00:00:00.000Z`,
    total: Number(total),
  })),
});

/**
 * A chart in Vega, as `compiledCharts` holds it: plain JSON, typed loosely so that no type of Vega
 * reaches apss-domain's declarations (Vega is an optional peer).
 */
export type VegaSpec = object;

/** A chart set up, ready for its data. */
export type Chart = {
  /**
   * Draws the chart as SVG text with these values in its named data sets and these values of its
   * params. A chart drawn again draws what it would draw the first time when its frame is fixed
   * (`autosize: none`). Draws called together are drawn one after the other, in the order called.
   */
  readonly draw: (data: ChartData, params?: ChartParams) => Promise<string>;
  /** Lets go of what the chart holds; it draws no more. */
  readonly finalize: () => void;
};

/** Sets up charts from their Vega, to be drawn once their data is known. */
export type Renderer = (spec: VegaSpec) => Chart;

let renderer: Promise<Renderer> | undefined;

type Vega = typeof import('vega');

/**
 * Vega, from the one-file build its package ships beside its modules, when there is one: the
 * package's entry imports some 270 modules, several times slower to load than the one file, and
 * the charts are set up while an audit's threads use the same cores. The file is a UMD bundle of the
 * same release, evaluated here as a CommonJS module of its own: Node would load it as an ES module
 * (its package's type), and it would then write itself to a global.
 */
async function loadVega(): Promise<Vega> {
  const bundle = await vegaBundle();
  if (bundle === undefined) return import('vega');
  const module = { exports: {} as Vega };
  compileFunction(bundle.source, ['exports', 'module'], { filename: bundle.path })(module.exports, module);
  return module.exports;
}

/**
 * Vega's one-file build and where it is; none where it cannot be found (a release without it, or
 * apss-domain bundled into a program of its own, where only `import('vega')` finds Vega).
 */
async function vegaBundle(): Promise<{ readonly path: string; readonly source: string } | undefined> {
  try {
    const path = join(dirname(createRequire(import.meta.url).resolve('vega')), VEGA_BUNDLE);
    return { path, source: await readFile(path, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Vega's one-file build, beside the module its package exports (`build/vega.module.js`). */
const VEGA_BUNDLE = 'vega.min.js';

/**
 * Draws charts given in Vega as SVG text, in Node, with no browser and no canvas. Vega is loaded on
 * the first call: nothing else of apss-domain needs it.
 */
export function chartRenderer(): Promise<Renderer> {
  renderer ??= Promise.all([loadVega(), import('vega-interpreter')]).then(
    ([vega, { expressionInterpreter }]) => {
      return (spec) => {
        // Expressions interpreted from their syntax tree, not compiled with Function: the report works
        // where code generation from strings is forbidden, as the rest of apss-domain does.
        const view = new vega.View(vega.parse(spec as never, undefined, { ast: true }), {
          renderer: 'none',
          // Quiet: a warning of theirs is no message of apss's; errors still throw.
          logLevel: vega.Error,
          expr: expressionInterpreter,
        });
        const drawOne = async (data: ChartData, params: ChartParams): Promise<string> => {
          for (const [name, values] of Object.entries(data)) view.data(name, values);
          for (const [name, value] of Object.entries(params)) view.signal(name, value);
          await view.runAsync();
          return view.toSVG();
        };
        // One view holds one draw's data at a time: a draw waits for the one before it to end.
        let last: Promise<unknown> = Promise.resolve();
        return {
          draw: (data, params = {}) => {
            const drawn = last.then(() => drawOne(data, params));
            last = drawn.catch(() => undefined);
            return drawn;
          },
          finalize: () => view.finalize(),
        };
      };
    },
  );
  renderer.catch(() => (renderer = undefined));
  return renderer;
}
