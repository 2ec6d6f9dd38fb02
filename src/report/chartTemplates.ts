// The report's charts in Vega-Lite, their source: plain values with named data sets and no data of
// their own. `npm run charts` compiles them to Vega into compiledChartSpecs.ts, committed, so that making
// a report neither loads vega-lite nor compiles a chart; nothing that makes a report imports this
// module.
import type { ChartName } from './compiledCharts.js';
import { MARKETPLACE_CUTOFF, MARKS, MONTHS, NOUN, TIME_DOMAIN, VALUES } from './charts.js';

const WIDTH = 640;
const config = {
  font: 'system-ui, sans-serif',
  // No description of each bar, point and line: the tables beside each chart give the same values
  // to a screen reader, and describing hundreds of points costs the draw more than drawing them.
  mark: { aria: false },
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11 },
};

/** A chart in Vega-Lite: its own JSON, built from plain values. */
export type ChartSpec = Record<string, unknown>;

/**
 * Horizontal bars of a count per name, largest first; `countsData` gives its data, and
 * `countsParams` what a name is (the axis's title).
 */
export function countsChart(): ChartSpec {
  return {
    width: 300,
    params: [{ name: NOUN, value: '' }],
    data: { name: VALUES },
    mark: { type: 'bar', color: '#b03a2e' },
    encoding: {
      y: {
        field: 'name',
        type: 'nominal',
        sort: '-x',
        axis: { labelLimit: 260, title: { signal: NOUN } },
      },
      x: { field: 'count', type: 'quantitative', title: 'findings', axis: { tickMinStep: 1, format: 'd' } },
    },
    config,
  };
}

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

/** The page's charts, by the name `compiledCharts` gives each. */
export const chartTemplates = {
  counts: countsChart(),
  consumption: consumptionChart(),
  timelines: timelineChart(),
} as const satisfies Readonly<Record<ChartName, ChartSpec>>;
