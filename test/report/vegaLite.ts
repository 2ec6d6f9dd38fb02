// Vega-Lite compiled as scripts/compile-charts.mjs compiles it, for the tests (a devDependency).
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { VegaSpec } from '../../src/report/charts.js';
import type { ChartSpec } from '../../src/report/chartTemplates.js';

/** The chart in Vega, as vega-lite compiles it, its warnings quiet. */
export const compiled = (template: ChartSpec): VegaSpec =>
  compile(template as never, { logger: vega.logger(vega.Error) }).spec;
