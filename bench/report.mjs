// bench/report: `apss audit` on a log of malformed lines (`{}`, each one a finding), as text, --ndjson,
// --json and --ndjson in 2 threads (whose findings are merged as they come), at 1,000,000 lines (the baseline) and at 10 times as many. Target: the report of any size is
// written to the end (exit 1, every finding counted) and peak memory (RSS) stays flat: at most 1.5x the
// baseline's at 10 times the findings.
//   npm run bench -- report                               1,000,000 and 10,000,000 lines
//   APSS_BENCH_LINES=3000000 npm run bench -- report      1,000,000 and 3,000,000 lines
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, runNode } from './_child.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli', 'main.js');
const BASE_LINES = 1_000_000;
const LINES = Number(process.env.APSS_BENCH_LINES ?? 10_000_000);
const TARGET_GROWTH = 1.5;
const data = join(here, '.data');
mkdirSync(data, { recursive: true });

async function malformedLog(lines) {
  const path = join(data, `malformed-${lines}.ndjson`);
  const out = createWriteStream(path);
  const block = '{}\n'.repeat(100_000);
  for (let written = 0; written < lines; written += 100_000)
    if (!out.write(block.slice(0, 3 * Math.min(100_000, lines - written)))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return path;
}

const number = (n) => n.toLocaleString('en-US');
const ndjsonEnds = (lines, tail, newlines) =>
  newlines === lines + 1 &&
  tail.endsWith(`{"records":${lines},"events":0,"partners":0,"findings":${lines}}\n`);
/** Each mode's flags, and what its output must end with for a log of `lines` malformed lines. */
const modes = {
  text: { flags: [], ends: (lines, tail) => tail.includes(`and ${number(lines - 1000)} more findings`) },
  '--ndjson': { flags: ['--ndjson'], ends: ndjsonEnds },
  '--json': {
    flags: ['--json'],
    ends: (lines, tail) => tail.endsWith(`"records": ${lines},\n  "events": 0,\n  "partners": 0\n}\n`),
  },
  '--ndjson --jobs 2': { flags: ['--ndjson', '--jobs', '2'], ends: ndjsonEnds },
};

/** Audits the log in one mode, keeping only the count of lines and the end of what is written. */
async function audit(log, lines, mode) {
  let tail = '';
  let newlines = 0;
  const run = await runNode([cli, 'audit', log, ...modes[mode].flags], {
    stdout: (chunk) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines += 1;
      tail = (tail + chunk.toString()).slice(-300);
    },
  });
  if (run.code !== 1 || !modes[mode].ends(lines, tail, newlines))
    throw new Error(
      `bench/report: ${mode} on ${number(lines)} lines: exit ${run.code}, ended ${JSON.stringify(tail)}`,
    );
  return run;
}

const missed = [];
for (const mode of Object.keys(modes)) {
  const figures = [];
  for (const lines of [BASE_LINES, LINES]) {
    const log = await malformedLog(lines);
    try {
      figures.push({ lines, ...(await audit(log, lines, mode)) });
    } finally {
      rmSync(log, { force: true });
    }
  }
  const [base, big] = figures;
  const growth = big.rss / base.rss;
  console.log(
    `apss audit ${mode.padEnd(17)} ${number(base.lines)} findings: ${(base.ms / 1000).toFixed(1)} s, peak RSS ${mb(base.rss)}; ` +
      `${number(big.lines)}: ${(big.ms / 1000).toFixed(1)} s, peak RSS ${mb(big.rss)} (${growth.toFixed(2)}x)`,
  );
  if (growth > TARGET_GROWTH) missed.push(`${mode} ${growth.toFixed(2)}x > ${TARGET_GROWTH}x`);
}
if (missed.length > 0) {
  console.log(`bench/report: MISSED: peak RSS grew with the findings: ${missed.join('; ')}`);
  process.exit(1);
}
console.log(
  `bench/report: every report written to the end, peak RSS within ${TARGET_GROWTH}x the baseline's`,
);
