import { describe, expect, it } from 'vitest';
import { chartRenderer, consumptionChart, countsChart, timelineChart } from '../../src/report/charts.js';
import { renderPage } from '../../src/report/page.js';
import type { ReportData } from '../../src/report/data.js';
import { needsBuiltCli } from '../cli/run.js';

// The thread that draws half the page's charts runs the built module (dist/), as the CLI does.
type ChartThreadModule = typeof import('../../src/report/chartThread.js');
const built = '../../dist/report/chartThread.js';
const loadBuilt = (): Promise<ChartThreadModule> => import(built) as Promise<ChartThreadModule>;

const timeline = {
  partnerId: 'partner-1',
  findings: 2,
  months: [
    { month: '2019-01', events: 3 },
    { month: '2019-02', events: 5 },
  ],
  marks: [
    { at: '2019-01-15T00:00:00.000Z', code: 'R2_TENANT_REQUIRED', position: 4 },
    { at: '2019-02-03T00:00:00.000Z', code: 'R11_MARKETPLACE_CUTOFF', position: 9 },
  ],
};
const specs = [
  countsChart(
    [
      { name: 'R2_TENANT_REQUIRED', count: 2 },
      { name: '<script>', count: 1 },
    ],
    'code',
  ),
  timelineChart(timeline, ['2019-01-01T00:00:00.000Z', '2019-03-01T00:00:00.000Z']),
  consumptionChart([
    { partnerId: 'partner-1', month: '2019-01', lineItem: 'Microsoft Azure', currency: 'EUR', total: '12.5' },
    {
      partnerId: 'partner-1',
      month: '2019-02',
      lineItem: 'Microsoft Azure',
      currency: 'EUR',
      total: '0.0001',
    },
  ]),
];

const data: ReportData = {
  log: { name: 'log.ndjson', bytes: 100 },
  rules: 'default',
  madeAt: '2026-01-01T00:00:00.000Z',
  summary: { records: 10, events: 10, partners: 1, findings: 2 },
  byCode: new Map([['R2_TENANT_REQUIRED', 2]]),
  byPartner: new Map([['partner-1', 2]]),
  findings: [],
  timelines: [timeline, { ...timeline, partnerId: 'partner-2' }],
  invoice: [
    { partnerId: 'partner-1', month: '2019-01', lineItem: 'Microsoft Azure', currency: 'EUR', total: '12.5' },
  ],
  subscriptions: new Map([['partner-1', 1]]),
};

describe('the chart thread: half the charts of a page drawn in a thread of their own', () => {
  needsBuiltCli();

  it('given charts of each kind, then the thread draws each as the same SVG as this thread', async () => {
    const { ChartThread } = await loadBuilt();
    const thread = new ChartThread();
    try {
      const draw = await chartRenderer();
      const here = await Promise.all(specs.map(draw));
      const there = await Promise.all(specs.map((spec) => thread.draw(spec)));
      expect(there).toEqual(here);
      expect(there.every((svg) => svg.startsWith('<svg'))).toBe(true);
    } finally {
      await thread.close();
    }
  });

  it('given a chart Vega cannot draw, then its promise is refused with the reason Vega gives here, and the thread draws the next one', async () => {
    const { ChartThread } = await loadBuilt();
    const thread = new ChartThread();
    const bad = { mark: 'no such mark' };
    const why = await (
      await chartRenderer()
    )(bad).then(
      () => 'drawn',
      (error: unknown) => (error as Error).message,
    );
    expect(why).not.toBe('drawn');
    try {
      await expect(thread.draw(bad)).rejects.toThrow(why);
      expect(await thread.draw(specs[0] as (typeof specs)[number])).toMatch(/^<svg/);
    } finally {
      await thread.close();
    }
  });

  it('given a closed thread, then a chart asked of it is refused, and a page drawn with it is drawn here the same', async () => {
    const { ChartThread } = await loadBuilt();
    const thread = new ChartThread();
    await thread.close();
    await expect(thread.draw(specs[0] as (typeof specs)[number])).rejects.toThrow(/chart thread stopped/);
    expect(await renderPage(data, (spec) => thread.draw(spec))).toBe(await renderPage(data));
  });

  it('given a thread that draws, then the page drawn with it is the page drawn in this thread alone', async () => {
    const { ChartThread } = await loadBuilt();
    const thread = new ChartThread();
    try {
      expect(await renderPage(data, (spec) => thread.draw(spec))).toBe(await renderPage(data));
    } finally {
      await thread.close();
    }
  });
});
