import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chartTemplates } from '../../src/report/chartTemplates.js';
import { compiledCharts } from '../../src/report/compiledCharts.js';
import { compiled } from './vegaLite.js';

const src = fileURLToPath(new URL('../../src', import.meta.url));

describe('the charts compiled ahead of time', () => {
  it('given the Vega-Lite templates, then the committed Vega is what vega-lite compiles them to', () => {
    expect(Object.keys(compiledCharts).sort()).toEqual(Object.keys(chartTemplates).sort());
    for (const [name, template] of Object.entries(chartTemplates))
      expect(
        compiledCharts[name as keyof typeof compiledCharts],
        `src/report/compiledChartSpecs.ts is not what ${name} compiles to: run npm run charts`,
      ).toEqual(JSON.parse(JSON.stringify(compiled(template))));
  });

  it('given the sources, then none imports vega-lite or the Vega-Lite templates', () => {
    const files = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name));
    const importers = files.filter((file) =>
      /from '[^']*(?:vega-lite|\/chartTemplates\.js)'|import\('vega-lite'\)/.test(readFileSync(file, 'utf8')),
    );
    expect(importers.map((file) => relative(src, file))).toEqual([]);
  });
});
