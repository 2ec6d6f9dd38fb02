// bench/html: `apss audit --json --html` on a generated log of 1,000,000 lines with 10,000 injected
// violations (a finding each), against `apss audit --json` of the same log as the user runs it (the
// baseline), alternately, best of ROUNDS each; then the page opened in Debian's chromium (headless,
// offline), timed to its load event. Targets: the audit with its HTML report in <= 1.2x the audit's
// time, and the page loaded in < 3 s.
//   npm run bench -- html
//   APSS_BENCH_LINES=200000 npm run bench -- html      a smaller log (the targets are for 1,000,000 lines)
//   APSS_BENCH_ROUNDS=1 ...                            one round each instead of two
//   APSS_BENCH_KEEP=1 ...                              keep the generated log in bench/.data/
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../scripts/_chromium.mjs';
import { mb, runNode } from './_child.mjs';
import { cli, data, generateLog, LINES, PARTNERS, ROUNDS, TARGETED_LINES } from './_generate.mjs';

const VIOLATIONS = Math.round(LINES / 100);
const TARGET_RATIO = 1.2;
const TARGET_LOAD_MS = 3000;

const log = join(data, `html-${LINES}.ndjson`);
const out = mkdtempSync(join(tmpdir(), 'apss-bench-html-'));
const page = join(out, 'report.html');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

await generateLog(cli, log, { partners: PARTNERS, events: LINES, violations: VIOLATIONS });

/** The audit as JSON, with or without the page; checks that it saw every line and every finding. */
async function audit(flags) {
  const run = await runNode([cli, 'audit', log, '--json', ...flags], { stderr: 'pipe' });
  const report = JSON.parse(run.stdout);
  if (run.code !== 1 || report.records !== LINES || report.findings.length < VIOLATIONS)
    throw new Error(
      `apss audit ${flags.join(' ')}: exit ${run.code}, ${report.records} records, ${report.findings.length} findings`,
    );
  return { ...run, findings: report.findings.length };
}

let baseline;
let withHtml;
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = await audit([]);
    const html = await audit(['--html', page]);
    if (baseline === undefined || bare.ms < baseline.ms) baseline = bare;
    if (withHtml === undefined || html.ms < withHtml.ms) withHtml = html;
    console.log(`round ${round}: apss audit --json ${seconds(bare.ms)}; with --html ${seconds(html.ms)}`);
  }
  const pageSize = statSync(page).size;
  const browser = await launchChromium();
  const loads = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const tab = await browser.context.newPage();
    await tab.goto(`file://${page}`, { waitUntil: 'load' });
    loads.push(
      await tab.evaluate(() => globalThis.performance.getEntriesByType('navigation')[0].loadEventEnd),
    );
    await tab.close();
  }
  await browser.close();
  const load = Math.min(...loads);
  const ratio = withHtml.ms / baseline.ms;
  console.log(
    `apss audit --json (baseline):  ${seconds(baseline.ms)}, peak RSS ${mb(baseline.rss)}, ${withHtml.findings.toLocaleString('en-US')} findings`,
  );
  console.log(
    `apss audit --json --html:      ${seconds(withHtml.ms)}, peak RSS ${mb(withHtml.rss)}: ${ratio.toFixed(2)}x the baseline; the page ${mb(pageSize)}`,
  );
  console.log(
    `the page in chromium: load event at ${Math.round(load)} ms (best of ${loads.map(Math.round).join(', ')} ms)`,
  );
  const missed = [];
  if (ratio > TARGET_RATIO) missed.push(`${ratio.toFixed(2)}x > ${TARGET_RATIO}x the audit's time`);
  if (load >= TARGET_LOAD_MS) missed.push(`load ${Math.round(load)} ms >= ${TARGET_LOAD_MS} ms`);
  if (LINES !== TARGETED_LINES)
    console.log(
      `bench/html: the targets are for ${TARGETED_LINES.toLocaleString('en-US')} lines; at this size it ${missed.length > 0 ? `would miss them: ${missed.join('; ')}` : 'would meet them'}`,
    );
  else if (missed.length > 0) {
    console.log(`bench/html: MISSED: ${missed.join('; ')}`);
    process.exitCode = 1;
  } else
    console.log(`bench/html: within ${TARGET_RATIO}x the audit's time, loaded in under ${TARGET_LOAD_MS} ms`);
} finally {
  rmSync(out, { recursive: true, force: true });
  if (process.env.APSS_BENCH_KEEP !== '1') rmSync(log, { force: true });
}
