// bench/eval: `apss audit --jobs 1` with the struct decoders the library generates (new Function) against
// the same audit under `node --disallow-code-generation-from-strings`, where the library falls back to
// decoders that loop over the fields. Both run as child processes, alternately, best of ROUNDS each, and
// must report the same findings. Target: the generated decoders at least as fast (>= 1.0x) as the
// fallback, since they are the path taken wherever code generation is allowed.
//   npm run bench -- eval                              300,000 lines
//   APSS_BENCH_LINES=1000000 npm run bench -- eval     1,000,000 lines
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runNode } from './_child.mjs';
import { cli, data, generateLog, ROUNDS as DEFAULT_ROUNDS } from './_generate.mjs';

const LINES = Number(process.env.APSS_BENCH_LINES ?? 300_000);
const ROUNDS = Number(process.env.APSS_BENCH_ROUNDS ?? Math.max(3, DEFAULT_ROUNDS));
const TARGET = 1.0;
const log = join(data, `eval-${LINES}.ndjson`);
const run = (args) => runNode(args);

await generateLog(cli, log, {
  partners: Math.max(10, Math.round(LINES / 1000)),
  events: LINES,
  violations: 100,
});

const modes = [
  { name: 'generated decoders', flags: [] },
  { name: 'without eval (loop)', flags: ['--disallow-code-generation-from-strings'] },
];
const best = new Map();
let expected;
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of modes) {
    const audited = await run([...mode.flags, cli, 'audit', log, '--json', '--jobs', '1']);
    if (audited.code !== 1) throw new Error(`${mode.name}: exit ${audited.code} (expected 1: findings)`);
    expected ??= audited.stdout;
    if (audited.stdout !== expected) throw new Error(`${mode.name}: a different report than the other mode`);
    best.set(mode.name, Math.min(best.get(mode.name) ?? Infinity, audited.ms));
  }
}
if (process.env.APSS_BENCH_KEEP !== '1') rmSync(log, { force: true });

const rate = (ms) => `${Math.round((LINES / ms) * 1000).toLocaleString('en-US')} lines/s`;
const [generated, loop] = modes.map((mode) => best.get(mode.name));
const ratio = loop / generated;
console.log(`lines:              ${LINES.toLocaleString('en-US')} (apss audit --jobs 1, best of ${ROUNDS})`);
console.log(`generated decoders: ${rate(generated)}`);
console.log(`baseline:           ${rate(loop)} (--disallow-code-generation-from-strings, loop decoders)`);
console.log(
  `ratio:              ${ratio.toFixed(2)}x (target >= ${TARGET}x) ${ratio >= TARGET ? 'ok' : 'MISSED'}`,
);
process.exit(ratio >= TARGET ? 0 : 1);
