// Writes src/report/compiledChartSpecs.ts: the report's charts, written in Vega-Lite in
// src/report/chartTemplates.ts, compiled to Vega, so that making a report needs neither vega-lite nor
// a compile. Run by `npm run charts`; the module is committed and built with the rest (a module, not
// a JSON file read at run time, so that a program that bundles apss-domain carries it), and
// test/report/compiledCharts.test.ts fails while it is not what the templates compile to. The
// templates and the names they take from charts.ts are only stripped of their types here, not built
// with the rest, so that a template can be changed before the JSON is written anew.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import prettier from 'prettier';
import ts from 'typescript';
import * as vega from 'vega';
import { compile } from 'vega-lite';

const report = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'report');
const target = join(report, 'compiledChartSpecs.ts');

const scratch = await mkdtemp(join(tmpdir(), 'apss-charts-'));
let chartTemplates;
try {
  for (const name of ['chartTemplates', 'charts']) {
    const source = await readFile(join(report, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(
      join(scratch, `${name}.mjs`),
      outputText.replaceAll("from './charts.js'", "from './charts.mjs'"),
    );
  }
  ({ chartTemplates } = await import(pathToFileURL(join(scratch, 'chartTemplates.mjs')).href));
} finally {
  await rm(scratch, { recursive: true, force: true });
}

// Quiet: vega-lite's warnings are not the chart's; errors still throw.
const logger = vega.logger(vega.Error);
const compiled = Object.fromEntries(
  Object.entries(chartTemplates).map(([name, template]) => [name, compile(template, { logger }).spec]),
);

const source = `// Written by \`npm run charts\` (scripts/compile-charts.mjs) from chartTemplates.ts: edit those, not this.
import type { VegaSpec } from './charts.js';
import type { ChartName } from './compiledCharts.js';

// Vega's JSON as the compiler wrote it, parsed once: data, not code to read or edit.
export const compiledChartSpecs = JSON.parse(
  ${JSON.stringify(JSON.stringify(compiled))},
) as Readonly<Record<ChartName, VegaSpec>>;
`;
const options = (await prettier.resolveConfig(target)) ?? {};
await writeFile(target, await prettier.format(source, { ...options, filepath: target }));
console.log(`wrote ${target}`);
