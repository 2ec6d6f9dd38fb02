// bench/audit: `apss audit` on a generated log against a bare baseline that only reads the same file
// line by line (node:readline) and JSON.parses each line. All run as child processes, the same way,
// alternately, best of ROUNDS each. `apss audit` runs as a user runs it (a log this large is audited in
// one thread per CPU, at most 4) and with --jobs 1. Targets, for the audit as a user runs it: >= 0.5x
// the baseline's lines/s, and peak memory (RSS) at most half the log's size.
//   npm run bench -- audit                              1,000,000 lines
//   APSS_BENCH_LINES=10000000 npm run bench -- audit    10,000,000 lines
//   APSS_BENCH_ROUNDS=1 ...                             one round each instead of two
//   APSS_BENCH_KEEP=1 ...                               keep the generated log in bench/.data/
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mb, runNode } from './_child.mjs';
import { cli, data, generateLog, LINES, PARTNERS, ROUNDS, TARGETED_LINES } from './_generate.mjs';

const VIOLATIONS = 100;
const TARGET_RATIO = 0.5;
const TARGET_MEMORY = 0.5;

const log = join(data, `audit-${LINES}.ndjson`);

const baseline = `
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
let lines = 0;
for await (const line of createInterface({ input: createReadStream(process.argv[1]), crlfDelay: Infinity })) {
  if (line.length > 0) { JSON.parse(line); lines += 1; }
}
process.stdout.write(String(lines));
`;

const rate = (ms) => `${Math.round((LINES / ms) * 1000).toLocaleString('en-US')} lines/s`;

const size = await generateLog(cli, log, { partners: PARTNERS, events: LINES, violations: VIOLATIONS });

const modes = [
  { name: 'apss audit', flags: [] },
  { name: 'apss audit --jobs 1', flags: ['--jobs', '1'] },
];
const best = new Map();
const peak = new Map();
const keepBest = (name, result) => {
  if (!best.has(name) || result.ms < best.get(name).ms) best.set(name, result);
  peak.set(name, Math.max(peak.get(name) ?? 0, result.rss));
};
for (let round = 1; round <= ROUNDS; round++) {
  const bare = await runNode(['--input-type=module', '-e', baseline, log]);
  if (bare.code !== 0 || Number(bare.stdout) !== LINES)
    throw new Error(`baseline read ${bare.stdout} lines, exit ${bare.code}`);
  keepBest('baseline', bare);
  const line = [`round ${round}: baseline ${rate(bare.ms)}`];
  for (const mode of modes) {
    const audited = await runNode([cli, 'audit', log, '--json', ...mode.flags]);
    const report = JSON.parse(audited.stdout);
    if (audited.code !== 1 || report.records !== LINES || report.findings.length !== VIOLATIONS)
      throw new Error(
        `${mode.name}: exit ${audited.code}, ${report.records} records, ${report.findings.length} findings (expected 1, ${LINES}, ${VIOLATIONS})`,
      );
    keepBest(mode.name, audited);
    line.push(`${mode.name} ${rate(audited.ms)}, peak RSS ${mb(audited.rss)}`);
  }
  console.log(line.join('; '));
}

const bare = best.get('baseline');
console.log(`baseline (readline + JSON.parse): ${rate(bare.ms)}, peak RSS ${mb(peak.get('baseline'))}`);
for (const mode of modes) {
  const ratio = bare.ms / best.get(mode.name).ms;
  const memory = peak.get(mode.name) / size;
  console.log(
    `${`${mode.name}:`.padEnd(21)} ${rate(best.get(mode.name).ms)}, ${ratio.toFixed(2)}x the baseline; peak RSS ${mb(peak.get(mode.name))}, ${memory.toFixed(2)}x the log's ${mb(size)}`,
  );
}
if (process.env.APSS_BENCH_KEEP !== '1') rmSync(log, { force: true });
const [user] = modes;
const ratio = bare.ms / best.get(user.name).ms;
const memory = peak.get(user.name) / size;
const missed = [];
if (ratio < TARGET_RATIO) missed.push(`speed ${ratio.toFixed(2)}x < ${TARGET_RATIO}x`);
if (memory > TARGET_MEMORY) missed.push(`memory ${memory.toFixed(2)}x > ${TARGET_MEMORY}x the log`);
if (LINES !== TARGETED_LINES) {
  const state = missed.length > 0 ? `would miss them: ${missed.join('; ')}` : 'would meet them';
  console.log(
    `bench/audit: the targets are for ${TARGETED_LINES.toLocaleString('en-US')} lines; at this size ${user.name} ${state}`,
  );
  process.exit(0);
}
if (missed.length > 0) {
  console.log(`bench/audit: MISSED for ${user.name}: ${missed.join('; ')}`);
  process.exit(1);
}
console.log(`bench/audit: ${user.name} met its targets (>= ${TARGET_RATIO}x, <= ${TARGET_MEMORY}x the log)`);
