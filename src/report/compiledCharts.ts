import { createRequire } from 'node:module';
import type { VegaSpec } from './charts.js';

/** The names of the page's charts, as src/report/chartTemplates.ts writes them in Vega-Lite. */
export type ChartName = 'counts' | 'consumption' | 'timelines';

/**
 * The report's charts in Vega, by name: compiled from their Vega-Lite templates by `npm run charts`
 * into compiledCharts.json, data of the package's own (the build copies it beside this module), which
 * test/report/compiledCharts.test.ts holds to be what the templates compile to.
 */
export const compiledCharts: Readonly<Record<ChartName, VegaSpec>> = createRequire(import.meta.url)(
  './compiledCharts.json',
) as Readonly<Record<ChartName, VegaSpec>>;
