import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/index.js';
import { apss, scratch } from '../cli/run.js';
import { openWatched, whenBrowser } from './browser.js';
import { hostileLog, IMG_ACTOR, QUOTED_DEPLOYMENT, SCRIPT_PARTNER, STYLE_PARTNER } from './hostile.js';

// The HTML report as a person opens it: Debian's chromium, headless and offline, with the page's own CSP.

const dir = scratch();

/** The report of a log as `apss audit --html` writes it, and the JSON report of the same audit. */
async function reportOf(log: string, name: string, flags: readonly string[] = []) {
  const html = join(dir.dir, `${name}.html`);
  const made = await apss(['audit', log, '--html', html, '--exit-zero', ...flags]);
  expect(made.code, made.stderr).toBe(0);
  const json = JSON.parse(
    (await apss(['audit', log, '--json', '--exit-zero', ...flags])).stdout,
  ) as AuditReport;
  return { html, json };
}

const countsByCode = (report: AuditReport): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { code } of report.findings) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
};

const valueOf = (page: Page, selector: string) =>
  page.$eval(selector, (element) => Number(element.getAttribute('data-value')));

/** What every report must show of its audit, checked in the browser against the JSON report. */
async function checkAgainstJson(page: Page, report: AuditReport): Promise<void> {
  expect({
    records: await valueOf(page, '#records'),
    events: await valueOf(page, '#events'),
    partners: await valueOf(page, '#partners'),
    findings: await valueOf(page, '#findings-count'),
  }).toEqual({
    records: report.records,
    events: report.events,
    partners: report.partners,
    findings: report.findings.length,
  });
  const byCode = await page.$$eval('#by-code tbody tr', (rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.querySelector('td')?.textContent,
        Number(row.querySelectorAll('td')[2]?.getAttribute('data-value')),
      ]),
    ),
  );
  expect(byCode).toEqual(countsByCode(report));
  const listed = await page.$$eval('#findings tbody tr', (rows) =>
    rows.map((row) => [
      Number(row.querySelectorAll('td')[0]?.getAttribute('data-value')),
      row.querySelectorAll('td')[3]?.textContent,
    ]),
  );
  expect(listed).toEqual(report.findings.slice(0, 1000).map(({ position, code }) => [position, code]));
}

/** Every chart is an SVG with marks in it: bars, points, lines or rules that Vega drew from data. */
async function chartMarks(page: Page): Promise<number[]> {
  return page.$$eval('figure.chart svg', (svgs) =>
    svgs.map(
      (svg) => svg.querySelectorAll('.role-mark > path, .role-mark > line, .role-mark > g > path').length,
    ),
  );
}

async function filterByCode(page: Page, code: string): Promise<string[]> {
  await page.selectOption('#filter-code', code);
  return page.$$eval('#findings tbody tr:not([hidden])', (rows) =>
    rows.map((row) => row.getAttribute('data-code') ?? ''),
  );
}

whenBrowser('HTML report tests in chromium', (browser) => {
  describe('the report of the bundled example', () => {
    it('given the example log, when its report is opened, then it loads nothing, logs no error, and shows the numbers of the JSON report', async () => {
      const { html, json } = await reportOf('examples/apss-log.ndjson', 'example');
      const { page, watched } = await openWatched(browser(), html);
      await checkAgainstJson(page, json);
      const marks = await chartMarks(page);
      expect(marks.length).toBe(3 + 4); // by code, by partner, consumption, and a timeline for each of 4 partners
      expect(marks.every((n) => n > 0)).toBe(true);
      expect(watched).toEqual({ problems: [], requests: [], dialogs: [] });
      await page.close();
    });

    it('given a code chosen in the filter, then only findings of that code stay, and all of them', async () => {
      const { html, json } = await reportOf('examples/apss-log.ndjson', 'example-filter');
      const { page } = await openWatched(browser(), html);
      expect(await filterByCode(page, 'MARKETPLACE_CUTOFF')).toEqual(['MARKETPLACE_CUTOFF']);
      await page.selectOption('#filter-code', '');
      await page.selectOption('#filter-partner', 'northwind');
      const northwind = await page.$$eval('#findings tbody tr:not([hidden])', (rows) =>
        rows.map((row) => row.getAttribute('data-partner')),
      );
      expect(northwind).toEqual(
        json.findings.filter((f) => f.partnerId === 'northwind').map(() => 'northwind'),
      );
      await page.close();
    });

    it('given a click on the position heading, then the findings are sorted by position, descending on a second click', async () => {
      const { html } = await reportOf('examples/apss-log.ndjson', 'example-sort');
      const { page } = await openWatched(browser(), html);
      const positions = () =>
        page.$$eval('#findings tbody tr', (rows) =>
          rows.map((row) => Number(row.querySelectorAll('td')[0]?.getAttribute('data-value'))),
        );
      await page.click('#findings th:nth-child(1) button');
      await page.click('#findings th:nth-child(1) button');
      expect(await positions()).toEqual([34, 28, 18, 15, 13]);
      await page.close();
    });

    it('given --rules 2023, then the findings that the default rules do not find are marked new', async () => {
      const { html, json } = await reportOf('examples/apss-log.ndjson', 'example-2023', ['--rules', '2023']);
      const { page, watched } = await openWatched(browser(), html);
      await checkAgainstJson(page, json);
      const marked = await page.$$eval('#findings tbody tr', (rows) =>
        rows.map((row) => [
          Number(row.querySelectorAll('td')[0]?.getAttribute('data-value')),
          row.querySelectorAll('td')[6]?.textContent,
        ]),
      );
      expect(marked.filter(([, mark]) => mark === 'new under 2023').map(([position]) => position)).toEqual([
        1, 2, 30, 31,
      ]);
      expect(watched.problems).toEqual([]);
      await page.close();
    });
  });

  describe('the report of a generated log', () => {
    it('given a generated log with injected violations, then the page shows the JSON report, with marks in every chart and no error', async () => {
      const log = join(dir.dir, 'generated.ndjson');
      const generated = await apss([
        'generate',
        '--partners',
        '30',
        '--events',
        '6000',
        '--violations',
        '40',
        '--seed',
        'page',
      ]);
      expect(generated.code).toBe(0);
      dir.file('generated.ndjson', generated.stdout);
      const { html, json } = await reportOf(log, 'generated');
      const { page, watched } = await openWatched(browser(), html);
      await checkAgainstJson(page, json);
      const marks = await chartMarks(page);
      expect(marks.length).toBeGreaterThanOrEqual(4);
      expect(marks.every((n) => n > 0)).toBe(true);
      const [code] = Object.keys(countsByCode(json));
      expect(new Set(await filterByCode(page, code ?? ''))).toEqual(new Set([code]));
      expect(watched).toEqual({ problems: [], requests: [], dialogs: [] });
      await page.close();
    });
  });

  describe('a log written to attack the page', () => {
    it('given ids of <script>, </style> and quotes, when the report is opened, then nothing runs and every id reads as written', async () => {
      dir.file('hostile.ndjson', hostileLog());
      const { html } = await reportOf(join(dir.dir, 'hostile.ndjson'), 'hostile');
      const { page, watched } = await openWatched(browser(), html);
      await page.hover('#findings tbody tr td.why');
      expect(watched.dialogs).toEqual([]);
      expect(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned)).toBeUndefined();
      expect(watched.problems).toEqual([]);
      expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(1);
      expect(await page.$$eval('img, iframe, object, embed', (found) => found.length)).toBe(0);
      const text = await page.innerText('body');
      for (const written of [SCRIPT_PARTNER, STYLE_PARTNER, IMG_ACTOR, QUOTED_DEPLOYMENT])
        expect(text).toContain(written);
      expect(await page.$eval('h1', (h1) => h1.textContent)).toContain('hostile.ndjson');
      const partnerLabels = await page.$$eval('figure.chart svg text', (texts) =>
        texts.map((t) => t.textContent),
      );
      // Vega cuts a long label with an ellipsis; what it keeps is text.
      expect(partnerLabels.some((label) => label?.startsWith('<script>alert(1)'))).toBe(true);
      expect(readFileSync(html, 'utf8')).not.toContain(SCRIPT_PARTNER);
      await page.close();
    });
  });
});
