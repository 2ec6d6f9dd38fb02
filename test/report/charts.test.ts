import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChartData,
  type ChartParams,
  chartRenderer,
  consumptionData,
  countsData,
  countsParams,
  timeDomain,
  timelineData,
  timelineParams,
  NOUN,
  VALUES,
} from '../../src/report/charts.js';
import { type ChartSpec, chartTemplates } from '../../src/report/chartTemplates.js';
import { compiledCharts } from '../../src/report/compiledCharts.js';
import { AZURE_LINE_ITEM } from '../../src/projections/viewCodecs.js';
import type { Timeline } from '../../src/report/data.js';
import { compiled } from './vegaLite.js';

type Layer = { readonly data?: { readonly name?: string } };

/** The chart with its data inline and its params' values set: the chart as drawn on its own. */
function inline(spec: ChartSpec, data: ChartData, params: ChartParams = {}): ChartSpec {
  const withValues = <T extends Layer>(layer: T): T =>
    layer.data?.name === undefined ? layer : { ...layer, data: { values: data[layer.data.name] } };
  const layers = spec['layer'] as readonly Layer[] | undefined;
  const declared = (spec['params'] ?? []) as readonly { readonly name: string }[];
  return {
    ...withValues(spec as Layer),
    ...(layers === undefined ? {} : { layer: layers.map(withValues) }),
    ...(declared.length === 0
      ? {}
      : { params: declared.map((param) => ({ ...param, value: params[param.name] })) }),
  };
}

/**
 * The chart drawn by a chart of its own, with nothing set up before: its template with the data
 * inline, compiled here, independently of the Vega compiled ahead of time.
 */
async function alone(spec: ChartSpec, data: ChartData, params?: ChartParams): Promise<string> {
  const chart = (await chartRenderer())(compiled(inline(spec, data, params)));
  try {
    return await chart.draw({});
  } finally {
    chart.finalize();
  }
}

/**
 * The SVG with the items of each mark in order of their text: a view drawn again keeps the items it
 * had (the grid lines it drew before, say) and adds the new ones after them, so items of one mark,
 * which look alike, may come in another order; marks and layers keep theirs.
 */
const itemsSorted = (svg: string): string =>
  svg.replace(
    /(<g class="mark-(?!group)[^"]*"[^>]*>)((?:(?!<g[ >]|<\/g>).)*)(<\/g>)/gs,
    (_, open: string, items: string, close: string) =>
      open +
      items
        .split(/(?=<(?:line|path|text|rect|circle) )/)
        .sort()
        .join('') +
      close,
  );

const month = fc
  .record({ year: fc.integer({ min: 2016, max: 2023 }), month: fc.integer({ min: 1, max: 12 }) })
  .map(({ year, month }) => `${year}-${String(month).padStart(2, '0')}`);

const timeline: fc.Arbitrary<Timeline> = fc.record({
  partnerId: fc.constant('p'),
  findings: fc.nat(100),
  months: fc.uniqueArray(fc.record({ month, events: fc.integer({ min: 0, max: 1_000_000_000 }) }), {
    selector: ({ month }) => month,
    maxLength: 40,
  }),
  marks: fc.array(
    fc.record({
      at: fc
        .integer({ min: Date.parse('2016-01-01'), max: Date.parse('2023-12-31') })
        .map((ms) => new Date(ms).toISOString()),
      code: fc.constant('BYOL_OR_FREE_OFFER_AFTER_CUTOFF'),
      position: fc.nat(),
    }),
    { maxLength: 8 },
  ),
});

describe('charts set up before their data is known', () => {
  it('given several timelines, when one chart draws them in turn, then each draws what it draws on its own', async () => {
    const prepare = await chartRenderer();
    await fc.assert(
      fc.asyncProperty(fc.array(timeline, { minLength: 1, maxLength: 4 }), async (timelines) => {
        const params = timelineParams(timeDomain(timelines));
        const chart = prepare(compiledCharts.timelines);
        const inTurn: string[] = [];
        for (const one of timelines) inTurn.push(await chart.draw(timelineData(one), params));
        chart.finalize();
        const each = await Promise.all(
          timelines.map((one) => alone(chartTemplates.timelines, timelineData(one), params)),
        );
        expect(inTurn.map(itemsSorted)).toEqual(each.map(itemsSorted));
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('given several timelines, when one chart is asked to draw them all at once, then each draws what it draws on its own', async () => {
    const timelines = fc.sample(timeline, { numRuns: 4, seed: 7 });
    const params = timelineParams(timeDomain(timelines));
    const chart = (await chartRenderer())(compiledCharts.timelines);
    const together = await Promise.all(timelines.map((one) => chart.draw(timelineData(one), params)));
    chart.finalize();
    const each = await Promise.all(
      timelines.map((one) => alone(chartTemplates.timelines, timelineData(one), params)),
    );
    expect(together.map(itemsSorted)).toEqual(each.map(itemsSorted));
  });

  it('given counts and invoice lines, when their charts are set up first and drawn after, then they draw what the chart with its data inline draws', async () => {
    const prepare = await chartRenderer();
    const counts = countsData([
      { name: 'SHARED_TENANT_ALREADY_EXISTS', count: 3 },
      { name: '<script>', count: 12 },
    ]);
    const lines = consumptionData([
      { partnerId: 'p1', month: '2019-01', lineItem: AZURE_LINE_ITEM, currency: 'EUR', total: '12.5' },
      { partnerId: 'p1', month: '2019-02', lineItem: AZURE_LINE_ITEM, currency: 'EUR', total: '0.000001' },
      { partnerId: 'p2', month: '2019-02', lineItem: AZURE_LINE_ITEM, currency: 'USD', total: '99999999.99' },
    ]);
    for (const [name, data, params] of [
      ['counts', counts, countsParams('code')],
      ['counts', counts, countsParams('partner')],
      ['consumption', lines, {}],
    ] as const) {
      const chart = prepare(compiledCharts[name]);
      const drawn = await chart.draw(data, params);
      chart.finalize();
      expect(drawn).toBe(await alone(chartTemplates[name], data, params));
      expect(drawn).toContain(Object.values(params)[0] ?? 'partner (currency)');
      expect(drawn).toMatch(/<path|<rect/);
    }
  });

  it('given Vega loaded from its one-file build, then a chart draws what the package entry of the same release draws, and no global is written', async () => {
    const prepare = await chartRenderer();
    const vega = await import('vega');
    const { expressionInterpreter } = await import('vega-interpreter');
    const data = countsData([
      { name: 'MARKETPLACE_CUTOFF', count: 7 },
      { name: 'DUPLICATE_ID', count: 2 },
    ]);
    const chart = prepare(compiledCharts.counts);
    const drawn = await chart.draw(data, countsParams('code'));
    chart.finalize();
    const view = new vega.View(vega.parse(compiledCharts.counts as never, undefined, { ast: true }), {
      renderer: 'none',
      expr: expressionInterpreter,
    });
    view.data(VALUES, data[VALUES]);
    view.signal(NOUN, 'code');
    await view.runAsync();
    const fromEntry = await view.toSVG();
    view.finalize();
    expect(drawn).toBe(fromEntry);
    expect(drawn).toContain('MARKETPLACE_CUTOFF');
    expect('vega' in globalThis).toBe(false);
  });
});
