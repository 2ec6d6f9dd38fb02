// bench/partners: what a partner costs an audit when the log holds very many partners with one event
// each (a SharedTenantCreated), the shape `apss generate` does not make.
//   1. Bytes of state per partner: PARTNERS_IN_PROCESS partners audited in this process (gc exposed),
//      against the baseline of the bytes of each partner's line in the log. Target: <= 500 bytes.
//   2. A log of LOG_PARTNERS such partners (1,000,000 lines, about 230 MB) audited by `apss audit` as a
//      user runs it and with --jobs 1, as child processes; the baseline is the log's size. Target: peak
//      RSS <= 2.5x the log, for both.
//   npm run bench -- partners
//   APSS_BENCH_PARTNERS=200000 npm run bench -- partners    a smaller log (its memory target is for 1M)
//   APSS_BENCH_KEEP=1 ...                                    keep the log in bench/.data/
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Auditor } from '../dist/audit/auditor.js';
import { decodeEvent } from '../dist/events/decode.js';
import { compileRules, defaultRules } from '../dist/policies/ruleSet.js';
import { mb, runNode } from './_child.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli', 'main.js');
const PARTNERS_IN_PROCESS = 200_000;
const LOG_PARTNERS = Number(process.env.APSS_BENCH_PARTNERS ?? 1_000_000);
const TARGET_BYTES_PER_PARTNER = 500;
const TARGET_MEMORY = 2.5;
/** The size of log the memory target is set for: a process's own memory weighs more in a smaller one. */
const TARGETED_PARTNERS = 1_000_000;

if (typeof globalThis.gc !== 'function') {
  console.error('bench/partners: run it with --expose-gc (npm run bench -- partners does)');
  process.exit(2);
}

const START_MS = Date.parse('2018-01-01T00:00:00Z');
/** The line of the i-th partner's only event. */
const lineOf = (i) => {
  const label = String(i + 1).padStart(7, '0');
  return JSON.stringify({
    type: 'SharedTenantCreated',
    data: { partnerId: `partner-${label}`, tenantId: `tenant-${label}-apss` },
    metadata: {
      actor: { id: `admin@partner-${label}.example`, role: 'GlobalAdmin' },
      at: new Date(START_MS + i * 1000).toISOString(),
      schemaVersion: 1,
    },
  });
};

// 1. Bytes of state per partner, in this process.
const rules = compileRules(defaultRules);
if (rules._tag === 'Left') throw new Error(rules.left);
const auditor = new Auditor(rules.right);
let lineBytes = 0;
const settled = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const before = settled();
for (let i = 0; i < PARTNERS_IN_PROCESS; i++) {
  const line = lineOf(i);
  lineBytes += line.length + 1;
  auditor.record(i + 1, JSON.parse(line));
}
const perPartner = (settled() - before) / PARTNERS_IN_PROCESS;
const report = auditor.report();
if (report.partners !== PARTNERS_IN_PROCESS || report.findings.length !== 0)
  throw new Error(`audited ${report.partners} partners with ${report.findings.length} findings`);
const perLine = lineBytes / PARTNERS_IN_PROCESS;
console.log(
  `state per partner (${PARTNERS_IN_PROCESS.toLocaleString('en-US')} partners, one event each): ${perPartner.toFixed(0)} bytes; baseline, its line in the log: ${perLine.toFixed(0)} bytes; ratio ${(perPartner / perLine).toFixed(2)}x`,
);
if (decodeEvent(JSON.parse(lineOf(0)))._tag !== 'Right')
  throw new Error('the bench writes events that do not decode');

// 2. A log of LOG_PARTNERS such partners, audited by the CLI.
const data = join(here, '.data');
const log = join(data, `partners-${LOG_PARTNERS}.ndjson`);
mkdirSync(data, { recursive: true });
if (!existsSync(log)) {
  const out = createWriteStream(log);
  const BLOCK = 10_000;
  for (let i = 0; i < LOG_PARTNERS; i += BLOCK) {
    const lines = [];
    for (let j = i; j < Math.min(i + BLOCK, LOG_PARTNERS); j++) lines.push(lineOf(j));
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const size = statSync(log).size;
console.log(`log: ${log} (${mb(size)}, ${LOG_PARTNERS.toLocaleString('en-US')} partners)`);

async function audit(flags) {
  const run = await runNode([cli, 'audit', log, '--json', ...flags], { stderr: 'pipe' });
  // The last thing the CLI said on stderr that is not progress (a reason to audit in one thread).
  const said = run.stderr
    .split(/[\r\n]/)
    .filter((line) => line.trim() !== '' && !line.includes('auditing'))
    .at(-1);
  return { ...run, report: run.stdout, said };
}

const missed = [];
if (perPartner > TARGET_BYTES_PER_PARTNER)
  missed.push(`${perPartner.toFixed(0)} bytes per partner > ${TARGET_BYTES_PER_PARTNER}`);
for (const [name, flags] of [
  ['apss audit', []],
  ['apss audit --jobs 1', ['--jobs', '1']],
]) {
  const run = await audit(flags);
  const parsed = JSON.parse(run.report);
  if (run.code !== 0 || parsed.partners !== LOG_PARTNERS)
    throw new Error(`${name}: exit ${run.code}, ${parsed.partners} partners (expected 0, ${LOG_PARTNERS})`);
  const ratio = run.rss / size;
  console.log(
    `${`${name}:`.padEnd(21)} ${(run.ms / 1000).toFixed(1)} s, peak RSS ${mb(run.rss)}; baseline, the log: ${mb(size)}; ratio ${ratio.toFixed(2)}x${run.said === undefined ? '' : ` (said: ${run.said.trim()})`}`,
  );
  if (ratio > TARGET_MEMORY && LOG_PARTNERS === TARGETED_PARTNERS)
    missed.push(`${name} peak RSS ${ratio.toFixed(2)}x > ${TARGET_MEMORY}x the log`);
}
if (process.env.APSS_BENCH_KEEP !== '1') rmSync(log, { force: true });
if (missed.length > 0) {
  console.log(`bench/partners: MISSED: ${missed.join('; ')}`);
  process.exit(1);
}
console.log(
  `bench/partners: met its targets (<= ${TARGET_BYTES_PER_PARTNER} bytes per partner, <= ${TARGET_MEMORY}x the log${LOG_PARTNERS === TARGETED_PARTNERS ? '' : ` at ${TARGETED_PARTNERS.toLocaleString('en-US')} partners, not measured here`})`,
);
