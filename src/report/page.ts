import { createHash } from 'node:crypto';
import { ruleTable } from '../policies/rules.js';
import type { InvoiceLine } from '../projections/invoice.js';
import { RunningSum } from '../projections/runningSum.js';
import { plainOfScaled, scaledOfPlain } from '../projections/scaled.js';
import { TABLE_ROWS, TIMELINE_PARTNERS, type ReportData, type ShownFinding } from './data.js';
import { escapeHtml as esc } from './escape.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './script.js';
import {
  type Chart,
  chartRenderer,
  consumptionData,
  countsData,
  countsParams,
  MARKETPLACE_CUTOFF,
  type Renderer,
  timeDomain,
  timelineData,
  timelineParams,
  type VegaSpec,
} from './charts.js';
import { compiledCharts } from './compiledCharts.js';

const number = new Intl.NumberFormat('en-US');
const count = (n: number): string => `<td class="number" data-value="${n}">${number.format(n)}</td>`;
const plural = (n: number, one: string, many = `${one}s`): string =>
  `${number.format(n)} ${n === 1 ? one : many}`;
const cell = (text: string | undefined, className?: string): string =>
  `<td${className === undefined ? '' : ` class="${className}"`}>${esc(text ?? '-')}</td>`;

/** The rule each code belongs to: R1..R12; a malformed record and a break of a sealed log's chain belong to none. */
const ruleOf: ReadonlyMap<string, string> = new Map([
  ...ruleTable.flatMap(({ id, codes }) => codes.map((code) => [code, id] as const)),
  ['CHAIN_BROKEN', '(chain)'],
  ['CHECKPOINT_MISMATCH', '(chain)'],
]);

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

const byCount = (counts: ReadonlyMap<string, number>): { name: string; count: number }[] =>
  [...counts]
    .map(([name, n]) => ({ name, count: n }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function heading(columns: readonly (readonly [string, 'text' | 'number'])[]): string {
  return `<thead><tr>${columns
    .map(
      ([name, type]) =>
        `<th${type === 'number' ? ' class="number" data-type="number"' : ''} scope="col"><button type="button">${esc(name)}</button></th>`,
    )
    .join('')}</tr></thead>`;
}

const figure = (svg: string, label: string): string =>
  `<figure class="chart" aria-label="${esc(label)}">${svg}</figure>`;

function header(data: ReportData): string {
  const { summary, log } = data;
  const verdict =
    summary.findings === 0
      ? '<span class="verdict clean" id="verdict">no findings</span>'
      : `<span class="verdict breached" id="verdict">${esc(plural(summary.findings, 'finding'))}</span>`;
  const fact = (name: string, value: string, id?: string, raw?: number): string =>
    `<dt>${esc(name)}</dt><dd${id === undefined ? '' : ` id="${id}"`}${raw === undefined ? '' : ` data-value="${raw}"`}>${value}</dd>`;
  return `<header>
<h1>Audit of ${esc(log.name)}</h1>
<dl class="facts">
${fact('log', esc(log.name), 'log-name')}
${log.bytes === undefined ? '' : fact('size', esc(`${plural(log.bytes, 'byte')}`), 'log-bytes', log.bytes)}
${fact('records', number.format(summary.records), 'records', summary.records)}
${fact('well-formed events', number.format(summary.events), 'events', summary.events)}
${fact('partners', number.format(summary.partners), 'partners', summary.partners)}
${fact('rule set', esc(data.rules === 'default' ? 'default (the Partner Center page of 11/11/2020)' : '2023 (the later page)'), 'rules')}
${fact('made', `<time datetime="${esc(data.madeAt)}">${esc(data.madeAt)}</time>`, 'made-at')}
${fact('verdict', verdict, 'findings-count', summary.findings)}
</dl>
</header>`;
}

function codesTable(data: ReportData): string {
  const compared = data.comparison;
  const codes = byCount(data.byCode);
  if (compared !== undefined)
    for (const [code] of compared.defaultCounts)
      if (!data.byCode.has(code)) codes.push({ name: code, count: 0 });
  const columns: [string, 'text' | 'number'][] = [
    ['code', 'text'],
    ['rule', 'text'],
    [compared === undefined ? 'findings' : `findings (${data.rules})`, 'number'],
  ];
  if (compared !== undefined) columns.push(['under the default rules', 'number'], ['difference', 'number']);
  const rows = codes.map(({ name, count: n }) => {
    const other = compared?.defaultCounts.get(name) ?? 0;
    return `<tr data-code="${esc(name)}">${cell(name)}${cell(ruleOf.get(name) ?? '(malformed)')}${count(n)}${
      compared === undefined
        ? ''
        : `${count(other)}<td class="number" data-value="${n - other}">${n - other > 0 ? '+' : ''}${number.format(n - other)}</td>`
    }</tr>`;
  });
  return `<table class="sortable" id="by-code">${heading(columns)}<tbody>${rows.join('')}</tbody></table>`;
}

function partnersTable(data: ReportData): string {
  const partners = byCount(data.byPartner);
  const rows = partners
    .slice(0, TABLE_ROWS)
    .map(
      ({ name, count: n }) => `<tr>${cell(name)}${count(n)}${count(data.subscriptions.get(name) ?? 0)}</tr>`,
    );
  const more = partners.length - rows.length;
  return `<table class="sortable" id="by-partner">${heading([
    ['partner', 'text'],
    ['findings', 'number'],
    ['APSS subscriptions', 'number'],
  ])}<tbody>${rows.join('')}</tbody></table>${
    more > 0
      ? `<p class="note">The ${number.format(rows.length)} partners with the most findings; ${plural(more, 'more partner')} with findings are in the findings file.</p>`
      : ''
  }`;
}

/** Each partner's total per currency over all months: exact sums of the invoice view's exact totals. */
function totals(
  lines: readonly InvoiceLine[],
): { partnerId: string; currency: string; months: number; total: string }[] {
  const sums = new Map<string, { partnerId: string; currency: string; months: number; total: RunningSum }>();
  for (const { partnerId, currency, total } of lines) {
    const key = `${partnerId}\u0000${currency}`;
    let entry = sums.get(key);
    if (entry === undefined)
      sums.set(key, (entry = { partnerId, currency, months: 0, total: new RunningSum() }));
    entry.months += 1;
    entry.total.addScaled(scaledOfPlain(total));
  }
  return [...sums.values()].map(({ total, ...rest }) => ({ ...rest, total: plainOfScaled(total.scaled) }));
}

function consumptionTables(lines: readonly InvoiceLine[], chosen: ReadonlySet<string>): string {
  const sums = totals(lines);
  const totalRows = sums
    .slice(0, TABLE_ROWS)
    .map(
      ({ partnerId, currency, months, total }) =>
        `<tr>${cell(partnerId)}${cell(currency)}${count(months)}<td class="number total">${esc(total)}</td></tr>`,
    );
  const monthly = lines.filter(({ partnerId }) => chosen.has(partnerId));
  const monthRows = monthly
    .slice(0, TABLE_ROWS)
    .map(
      ({ partnerId, month, currency, total }) =>
        `<tr>${cell(partnerId)}${cell(month)}${cell(currency)}<td class="number total">${esc(total)}</td></tr>`,
    );
  const cutNote = (shown: number, all: number, what: string): string =>
    all > shown
      ? `<p class="note">The first ${number.format(shown)} of ${number.format(all)} ${what}; <code>apss replay --view invoice --csv</code> writes every line.</p>`
      : '';
  return `<h3>Totals per partner and currency</h3>
<table class="sortable" id="consumption-totals">${heading([
    ['partner', 'text'],
    ['currency', 'text'],
    ['months', 'number'],
    ['total', 'text'],
  ])}<tbody>${totalRows.join('')}</tbody></table>${cutNote(totalRows.length, sums.length, 'totals')}
<h3>Month by month${chosen.size < new Set(lines.map(({ partnerId }) => partnerId)).size ? ', for the partners charted' : ''}</h3>
<table class="sortable" id="consumption-months">${heading([
    ['partner', 'text'],
    ['month', 'text'],
    ['currency', 'text'],
    ['total', 'text'],
  ])}<tbody>${monthRows.join('')}</tbody></table>${cutNote(monthRows.length, monthly.length, 'monthly lines')}`;
}

function findingRow(finding: ShownFinding, compared: boolean, onlyDefault = false): string {
  const marker = !compared
    ? ''
    : onlyDefault
      ? cell('only under default')
      : cell(finding.alsoUnderDefault === true ? 'also under default' : 'new under 2023');
  return `<tr data-code="${esc(finding.code)}" data-partner="${esc(finding.partnerId ?? '')}"${onlyDefault ? ' class="only-default"' : ''}>${count(finding.position)}${cell(finding.partnerId)}${cell(finding.eventType)}${cell(finding.code)}${cell(finding.at)}${cell(finding.message, 'why')}${marker}${cell(finding.record, 'record')}</tr>`;
}

function findingsSection(data: ReportData): string {
  const { findings, summary, comparison } = data;
  const compared = comparison !== undefined;
  const columns: [string, 'text' | 'number'][] = [
    ['position', 'number'],
    ['partner', 'text'],
    ['event', 'text'],
    ['code', 'text'],
    ['at', 'text'],
    ['why', 'text'],
  ];
  if (compared) columns.push(['against the default rules', 'text']);
  columns.push(['record as read', 'text']);
  const options = (values: Iterable<string>): string =>
    [...new Set(values)]
      .sort()
      .map((value) => `<option value="${esc(value)}">${esc(value)}</option>`)
      .join('');
  const rest = summary.findings - findings.length;
  const note =
    rest > 0
      ? `<p class="note" id="findings-rest" data-value="${rest}">The first ${number.format(findings.length)} findings are listed; ${plural(rest, 'more finding')} ${rest === 1 ? 'is' : 'are'} counted above. ${
          data.findingsFile === undefined
            ? '<code>apss audit --json</code> lists every one.'
            : `Every finding is in <code id="findings-file">${esc(data.findingsFile)}</code>, beside this file.`
        }</p>`
      : '';
  const rows = findings.map((finding) => findingRow(finding, compared));
  const extra = comparison?.onlyUnderDefault.map((finding) => findingRow(finding, true, true)) ?? [];
  return `<h2>Findings</h2>
${note}
<div class="controls">
<label>code <select id="filter-code"><option value="">all</option>${options([...findings, ...(comparison?.onlyUnderDefault ?? [])].map(({ code }) => code))}</select></label>
<label>partner <select id="filter-partner"><option value="">all</option>${options(
    [...findings, ...(comparison?.onlyUnderDefault ?? [])].flatMap(({ partnerId }) =>
      partnerId === undefined ? [] : [partnerId],
    ),
  )}</select></label>
<span>showing <span id="findings-shown" data-value="${rows.length + extra.length}">${number.format(rows.length + extra.length)}</span> rows</span>
</div>
<table class="sortable" id="findings">${heading(columns)}<tbody>${[...rows, ...extra].join('')}</tbody></table>`;
}

/** The page's charts, set up before their data is known (while an audit runs, say). */
export type PageCharts = {
  readonly codes: Chart;
  readonly partners: Chart;
  readonly consumption: Chart;
  /** Drawn once for each partner with a timeline. */
  readonly timelines: Chart;
};

/** Sets up the page's charts. */
export function pageCharts(prepare: Renderer): PageCharts {
  const made: Chart[] = [];
  const kept = (spec: VegaSpec): Chart => {
    const chart = prepare(spec);
    made.push(chart);
    return chart;
  };
  try {
    return {
      codes: kept(compiledCharts.counts),
      partners: kept(compiledCharts.counts),
      consumption: kept(compiledCharts.consumption),
      timelines: kept(compiledCharts.timelines),
    };
  } catch (error) {
    for (const chart of made) chart.finalize();
    throw error;
  }
}

/** What a promise settled with, or what it rejected with, thrown. */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}

/** Draws each timeline in turn: they share one chart. */
async function drawTimelines(chart: Chart, timelines: ReportData['timelines']): Promise<string[]> {
  const params = timelineParams(timeDomain(timelines));
  const drawn: string[] = [];
  for (const timeline of timelines) drawn.push(await chart.draw(timelineData(timeline), params));
  return drawn;
}

/**
 * The page: every string from the log escaped, the charts drawn as SVG, one inline script and one
 * inline style, allowed by their hashes. The page's charts are those given (see `pageCharts`), or
 * set up here; they are let go of once drawn.
 */
export async function renderPage(data: ReportData, prepared?: PageCharts): Promise<string> {
  const charts = prepared ?? pageCharts(await chartRenderer());
  const codes = byCount(data.byCode);
  const partners = byCount(data.byPartner).slice(0, 20);
  const charted = new Set(data.timelines.map(({ partnerId }) => partnerId));
  const invoicePartners = [...new Set(data.invoice.map(({ partnerId }) => partnerId))];
  const chosen = charted.size > 0 ? charted : new Set(invoicePartners.slice(0, TIMELINE_PARTNERS));
  const consumption = data.invoice.filter(({ partnerId }) => chosen.has(partnerId));
  // Every chart let go of once every draw has ended, drawn or failed.
  const drawn = await Promise.allSettled([
    codes.length === 0 ? '' : charts.codes.draw(countsData(codes), countsParams('code')),
    partners.length === 0 ? '' : charts.partners.draw(countsData(partners), countsParams('partner')),
    consumption.length === 0 ? '' : charts.consumption.draw(consumptionData(consumption)),
    drawTimelines(charts.timelines, data.timelines),
  ]);
  for (const chart of Object.values(charts)) chart.finalize();
  const [codesSvg, partnersSvg, consumptionSvg, timelineSvgs] = [
    valueOf(drawn[0]),
    valueOf(drawn[1]),
    valueOf(drawn[2]),
    valueOf(drawn[3]),
  ];
  const timelines = data.timelines
    .map(
      (timeline, i) =>
        `<section class="timeline" data-partner="${esc(timeline.partnerId)}"><h3>${esc(timeline.partnerId)}: ${esc(plural(timeline.findings, 'finding'))}${timeline.marks.length < timeline.findings ? ` (${number.format(timeline.marks.length)} marked)` : ''}</h3>${figure(timelineSvgs[i] ?? '', `timeline of ${timeline.partnerId}`)}</section>`,
    )
    .join('\n');
  const withFindings = data.byPartner.size;
  const body = `${header(data)}
<main>
<h2>Findings by rule</h2>
${data.summary.findings === 0 ? '<p class="note">No rule is broken.</p>' : `<div class="pair">${figure(codesSvg ?? '', 'findings by code')}${codesTable(data)}</div>`}
<h2>Findings by partner</h2>
${withFindings === 0 ? '<p class="note">No partner has findings.</p>' : `${figure(partnersSvg ?? '', 'findings by partner')}${partnersTable(data)}`}
<section class="deferred">
<h2>Timelines</h2>
<p class="note">Events a month (bars), each finding where it happened (red triangles), and the Marketplace cutoff of R11, ${MARKETPLACE_CUTOFF} (dashed line)${withFindings > data.timelines.length ? `, for the ${number.format(data.timelines.length)} partners with the most findings of ${number.format(withFindings)} with findings` : ''}.</p>
${timelines || '<p class="note">No partner has findings.</p>'}
</section>
<section class="deferred">
<h2>Monthly consumption</h2>
<p class="note">From the invoice view: the totals are its exact decimals, as it wrote them.</p>
${consumption.length === 0 ? '<p class="note">The log records no usage.</p>' : `${figure(consumptionSvg ?? '', 'monthly consumption')}${consumptionTables(data.invoice, chosen)}`}
</section>
<section class="deferred">
${findingsSection(data)}
</section>
</main>`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(PAGE_SCRIPT)}`,
    `style-src ${sha256(PAGE_STYLE)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Audit of ${data.log.name}`)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${body}
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
