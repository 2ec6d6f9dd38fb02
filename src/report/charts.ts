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

/** Horizontal bars of a count per name, largest first. */
export function countsChart(
  counts: readonly { readonly name: string; readonly count: number }[],
  noun: string,
): ChartSpec {
  return {
    width: 300,
    data: { values: counts.map(({ name, count }) => ({ name, count })) },
    mark: { type: 'bar', color: '#b03a2e' },
    encoding: {
      y: { field: 'name', type: 'nominal', sort: '-x', title: noun, axis: { labelLimit: 260 } },
      x: { field: 'count', type: 'quantitative', title: 'findings', axis: { tickMinStep: 1, format: 'd' } },
    },
    config,
  };
}

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

/**
 * One partner's events per month as bars, each finding a red triangle at its instant, and the
 * Marketplace cutoff a dashed line, all on the time axis every timeline shares.
 */
export function timelineChart(timeline: Timeline, domain: readonly [string, string]): ChartSpec {
  const x = (field: string) => ({
    field,
    type: 'temporal',
    scale: { type: 'utc', domain: domain.map((instant) => Date.parse(instant)) },
    title: null,
    axis: { format: '%Y-%m', labelFlush: true },
  });
  return {
    width: WIDTH,
    height: 90,
    layer: [
      {
        data: {
          values: timeline.months.map(({ month, events }) => ({
            start: `${month}-01T00:00:00.000Z`,
            end: nextMonth(month),
            events,
          })),
        },
        mark: { type: 'rect', color: '#9fb6cd' },
        encoding: {
          x: x('start'),
          x2: { field: 'end' },
          y: {
            field: 'events',
            type: 'quantitative',
            title: 'events a month',
            axis: { tickMinStep: 1, format: 'd' },
          },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: timeline.marks.map(({ at, code, position }) => ({ at, code, position })) },
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

/**
 * Monthly consumption of some partners, one line per partner and currency: the chart plots the
 * exact totals as numbers, the tables beside it show them as the invoice view wrote them.
 */
export function consumptionChart(lines: readonly InvoiceLine[]): ChartSpec {
  return {
    width: WIDTH - 160,
    height: 200,
    data: {
      values: lines.map(({ partnerId, month, currency, total }) => ({
        series: `${partnerId} (${currency})`,
        month: `${month}-01T00:00:00.000Z`,
        total: Number(total),
      })),
    },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'month', type: 'temporal', scale: { type: 'utc' }, title: null, axis: { format: '%Y-%m' } },
      y: { field: 'total', type: 'quantitative', title: 'total a month' },
      color: { field: 'series', type: 'nominal', title: 'partner (currency)', legend: { labelLimit: 200 } },
    },
    config,
  };
}

/** Vega and Vega-Lite, loaded only when a chart is drawn: nothing else of apss-domain needs them. */
type Renderer = (spec: ChartSpec) => Promise<string>;

let renderer: Promise<Renderer> | undefined;

/** Compiles Vega-Lite to Vega and draws it as SVG text, in Node, with no browser and no canvas. */
export function chartRenderer(): Promise<Renderer> {
  renderer ??= Promise.all([import('vega'), import('vega-lite'), import('vega-interpreter')]).then(
    ([vega, vegaLite, { expressionInterpreter }]) =>
      async (spec) => {
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
        try {
          return await view.toSVG();
        } finally {
          view.finalize();
        }
      },
  );
  renderer.catch(() => (renderer = undefined));
  return renderer;
}
