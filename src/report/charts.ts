import type { InvoiceLine } from '../projections/invoice.js';
import type { Timeline } from './data.js';

/** The Marketplace cutoff of R11, the same instant in both rule sets. */
export const MARKETPLACE_CUTOFF = '2019-03-01T00:00:00.000Z';

const WIDTH = 640;
const config = {
  font: 'system-ui, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11 },
};

/** A Vega-Lite chart, as the library takes it: its own JSON, built from plain values. */
export type ChartSpec = Record<string, unknown>;

/** The values of a chart's named data sets, by name. */
export type ChartData = Readonly<Record<string, readonly object[]>>;

/** The values of a chart's params, by name. */
export type ChartParams = Readonly<Record<string, unknown>>;

/** The name of the data set of a chart with one. */
const VALUES = 'values';

/** Horizontal bars of a count per name, largest first; `countsData` gives its data. */
export function countsChart(noun: string): ChartSpec {
  return {
    width: 300,
    data: { name: VALUES },
    mark: { type: 'bar', color: '#b03a2e' },
    encoding: {
      y: { field: 'name', type: 'nominal', sort: '-x', title: noun, axis: { labelLimit: 260 } },
      x: { field: 'count', type: 'quantitative', title: 'findings', axis: { tickMinStep: 1, format: 'd' } },
    },
    config,
  };
}

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
const MONTHS = 'months';
const MARKS = 'marks';
/** The name of the param that holds the time axis's first and last instant, in ms since the epoch. */
const TIME_DOMAIN = 'timeDomain';

/**
 * Every partner's timeline as one chart whose data are named, not inline: its events per month as
 * bars, each finding a red triangle at its instant, and the Marketplace cutoff a dashed line, all on
 * the time axis every timeline shares. `timelineData` gives one partner's data sets, and
 * `timelineParams` the time axis.
 *
 * Its frame is fixed, not sized to fit its labels, so every timeline's plot starts at the same x and
 * the time axes line up down the page; and so one prepared chart can draw them all: a view sized to
 * fit grows between draws but never shrinks.
 */
export function timelineChart(): ChartSpec {
  const x = (field: string) => ({
    field,
    type: 'temporal',
    scale: { type: 'utc', domain: { expr: TIME_DOMAIN } },
    title: null,
    axis: { format: '%Y-%m', labelFlush: true },
  });
  return {
    width: WIDTH,
    height: 90,
    params: [{ name: TIME_DOMAIN, value: [0, 1] }],
    autosize: { type: 'none' },
    padding: { left: 80, right: 12, top: 8, bottom: 24 },
    layer: [
      {
        data: { name: MONTHS },
        mark: { type: 'rect', color: '#9fb6cd' },
        encoding: {
          x: x('start'),
          x2: { field: 'end' },
          y: {
            field: 'events',
            type: 'quantitative',
            title: 'events a month',
            // SI prefixes keep the labels within the fixed frame; zero is 0 whatever the prefix.
            axis: { tickMinStep: 1, format: '~s', labelExpr: "datum.value === 0 ? '0' : datum.label" },
          },
          y2: { datum: 0 },
        },
      },
      {
        data: { name: MARKS },
        mark: {
          type: 'point',
          shape: 'triangle-down',
          filled: true,
          color: '#b03a2e',
          size: 60,
          opacity: 0.9,
        },
        encoding: { x: x('at'), y: { value: 4 } },
      },
      {
        data: { values: [{ at: MARKETPLACE_CUTOFF }] },
        mark: { type: 'rule', color: '#333', strokeDash: [4, 3] },
        encoding: { x: x('at') },
      },
    ],
    config,
  };
}

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

/**
 * Monthly consumption of some partners, one line per partner and currency: the chart plots the
 * exact totals as numbers, the tables beside it show them as the invoice view wrote them.
 * `consumptionData` gives its data.
 */
export function consumptionChart(): ChartSpec {
  return {
    width: WIDTH - 160,
    height: 200,
    data: { name: VALUES },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'month', type: 'temporal', scale: { type: 'utc' }, title: null, axis: { format: '%Y-%m' } },
      y: { field: 'total', type: 'quantitative', title: 'total a month' },
      color: { field: 'series', type: 'nominal', title: 'partner (currency)', legend: { labelLimit: 200 } },
    },
    config,
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

/** A chart compiled and set up, ready for its data. */
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

/** Sets up charts from their Vega-Lite, to be drawn once their data is known. */
export type Renderer = (spec: ChartSpec) => Chart;

let renderer: Promise<Renderer> | undefined;

/**
 * Compiles charts from Vega-Lite to Vega and draws them as SVG text, in Node, with no browser and no
 * canvas. Vega and Vega-Lite are loaded on the first call: nothing else of apss-domain needs them.
 */
export function chartRenderer(): Promise<Renderer> {
  renderer ??= Promise.all([import('vega'), import('vega-lite'), import('vega-interpreter')]).then(
    ([vega, vegaLite, { expressionInterpreter }]) => {
      return (spec) => {
        // Quiet: a warning of theirs is no message of apss's; errors still throw.
        const logger = vega.logger(vega.Error);
        const compiled = vegaLite.compile(spec as never, { logger }).spec;
        // Expressions interpreted from their syntax tree, not compiled with Function: the report works
        // where code generation from strings is forbidden, as the rest of apss-domain does.
        const view = new vega.View(vega.parse(compiled, undefined, { ast: true }), {
          renderer: 'none',
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
