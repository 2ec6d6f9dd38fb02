/** The names of the page's charts, as src/report/chartTemplates.ts writes them in Vega-Lite. */
export type ChartName = 'counts' | 'consumption' | 'timelines';

/**
 * The report's charts in Vega, by name: compiled from their Vega-Lite templates by `npm run charts`
 * into compiledChartSpecs.ts, which test/report/compiledCharts.test.ts holds to be what the templates
 * compile to.
 */
export { compiledChartSpecs as compiledCharts } from './compiledChartSpecs.js';
