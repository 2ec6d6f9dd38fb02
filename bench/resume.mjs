// bench/resume: `apss audit --resume FILE` over a generated log that grew by 1% since FILE was saved,
// against `apss audit` of the whole grown log as a user runs it (a log this large is audited in one
// thread per CPU, at most 4). Child processes, taking turns, best of ROUNDS each; every resumed run
// starts from a copy of the same FILE. Target: the resumed run costs <= 0.05x the full audit. For
// context: the same resumed over the new lines that name only 10 partners (FILE's other entries are
// not read), and a process that only starts and audits the 36-line example, the floor of any run.
// In process: the same two audits through the library's API (auditLog, threads as `apss audit` chooses
// them, against auditLogResuming) in one process of their own, best of ROUNDS each, so that the start
// of a process and the loading of the CLI, which every run pays, are in neither figure.
// The findings of the first run followed by those of the resumed one must be the full audit's.
//   npm run bench -- resume                              1,000,000 lines
//   APSS_BENCH_LINES=100000 npm run bench -- resume      another size
//   APSS_BENCH_KEEP=1 ...                                keep the logs in bench/.data/
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, runNode } from './_child.mjs';
import { cli, data, generateLog, LINES, PARTNERS, ROUNDS } from './_generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const VIOLATIONS = 100;
const GROWTH = 0.01;
const TARGET = 0.05;

const log = join(data, `audit-${LINES}.ndjson`);
const grown = join(data, `resume-${LINES}.ndjson`);
const saved = join(data, `resume-${LINES}.json`);
const working = join(data, `resume-${LINES}.work.json`);
const few = join(data, `resume-few-${LINES}.ndjson`);
const example = join(data, '..', '..', 'examples', 'apss-log.ndjson');
const run = (args, stdout = 'pipe') => runNode(args, { stdout });
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

await generateLog(cli, log, { partners: PARTNERS, events: LINES, violations: VIOLATIONS });

// The log as it was when FILE was saved: its first 99% of lines.
const bytes = readFileSync(log);
const kept = Math.round(LINES * (1 - GROWTH));
let cut = 0;
for (let line = 0; line < kept; line++) cut = bytes.indexOf(0x0a, cut) + 1;
writeFileSync(grown, bytes.subarray(0, cut));
rmSync(saved, { force: true });
const first = await run([cli, 'audit', grown, '--resume', saved, '--json']);
const firstFindings = JSON.parse(first.stdout).findings;
console.log(
  `first run, ${kept.toLocaleString('en-US')} lines (a full audit in one thread that writes FILE): ${seconds(first.ms)}, peak RSS ${mb(first.rss)}; FILE ${mb(statSync(saved).size)}`,
);
writeFileSync(grown, bytes);
// For context, the log grown instead by the new lines that name one of the first FEW partners they name.
const FEW = 10;
const named = new Set();
const fewLines = bytes
  .subarray(cut)
  .toString('utf8')
  .split('\n')
  .filter((line) => {
    const partner = /"partnerId":"([^"]*)"/.exec(line)?.[1];
    if (partner === undefined) return false;
    if (named.size < FEW) named.add(partner);
    return named.has(partner);
  });
writeFileSync(
  few,
  Buffer.concat([bytes.subarray(0, cut), Buffer.from(fewLines.map((l) => `${l}\n`).join(''))]),
);

const best = new Map();
const keep = (name, result) => {
  if (!best.has(name) || result.ms < best.get(name).ms) best.set(name, result);
};
for (let round = 1; round <= ROUNDS; round++) {
  const full = await run([cli, 'audit', grown, '--json']);
  const report = JSON.parse(full.stdout);
  if (full.code !== 1 || report.records !== LINES)
    throw new Error(`full audit: exit ${full.code}, ${report.records} records`);
  keep('full', full);
  copyFileSync(saved, working);
  const resumed = await run([cli, 'audit', grown, '--resume', working, '--json']);
  const tail = JSON.parse(resumed.stdout);
  if (
    tail.records !== LINES ||
    JSON.stringify([...firstFindings, ...tail.findings]) !== JSON.stringify(report.findings)
  )
    throw new Error(`resumed audit: ${tail.records} records, findings differ from the full audit's`);
  keep('resumed', resumed);
  copyFileSync(saved, working);
  const fewResumed = await run([cli, 'audit', few, '--resume', working, '--json']);
  if (JSON.parse(fewResumed.stdout).records !== kept + fewLines.length)
    throw new Error('resumed audit of the log grown by a few partners: wrong count of records');
  keep('few', fewResumed);
  // The floor under any resumed run: a process that starts, loads the CLI and audits a 36-line log.
  keep('startup', await run([cli, 'audit', example, '--json']));
  console.log(
    `round ${round}: full audit ${seconds(full.ms)} (peak RSS ${mb(full.rss)}); resumed over the last ${(LINES - kept).toLocaleString('en-US')} lines ${seconds(resumed.ms)} (peak RSS ${mb(resumed.rss)})`,
  );
}
const inProcess = await runNode([
  '--expose-gc',
  join(here, '_resumeInProcess.mjs'),
  grown,
  saved,
  String(ROUNDS),
]);
if (inProcess.code !== 0) throw new Error(`the in-process figure failed with exit code ${inProcess.code}`);
const api = JSON.parse(inProcess.stdout);
if (process.env.APSS_BENCH_KEEP !== '1')
  for (const file of [log, grown, saved, working, few]) rmSync(file, { force: true });
else for (const file of [working, few]) rmSync(file, { force: true });

const ratio = best.get('resumed').ms / best.get('full').ms;
const ok = ratio <= TARGET;
console.log(
  `context: apss audit --resume over a log grown by the ${fewLines.length.toLocaleString('en-US')} of those lines that name ${FEW} partners: ${seconds(best.get('few').ms)}, ${(best.get('few').ms / best.get('full').ms).toFixed(3)}x the full audit`,
);
console.log(
  `context: apss audit of the 36-line example (node starting, the CLI loading): ${seconds(best.get('startup').ms)}, ${(best.get('startup').ms / best.get('full').ms).toFixed(3)}x the full audit`,
);
console.log(
  `in process (the library's API, no process start): auditLogResuming over the log grown by ${GROWTH * 100}%: ${seconds(api.resumed)}; auditLog of the whole log ${seconds(api.full)}; ratio ${(api.resumed / api.full).toFixed(3)} (target <= ${TARGET}) ${api.resumed / api.full <= TARGET ? 'ok' : 'MISSED'}`,
);
console.log(
  `apss audit --resume over a log grown by ${GROWTH * 100}%: ${seconds(best.get('resumed').ms)}; baseline full audit ${seconds(best.get('full').ms)}; ratio ${ratio.toFixed(3)} (target <= ${TARGET}) ${ok ? 'ok' : 'MISSED'}`,
);
process.exit(ok ? 0 : 1);
