// The generated logs the benchmarks that run `apss` share: `apss generate` with the seed 'bench', so
// that every bench of one size reads the same lines.
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, runNode } from './_child.mjs';

const here = dirname(fileURLToPath(import.meta.url));
/** The CLI as built in dist/. */
export const cli = join(here, '..', 'dist', 'cli', 'main.js');
/** Where the generated logs go (and stay, with APSS_BENCH_KEEP=1). */
export const data = join(here, '.data');
/** The size of log the issue sets the targets for; other sizes are measured and recorded. */
export const TARGETED_LINES = 1_000_000;
/** The lines of the generated log: APSS_BENCH_LINES, or the targeted size. */
export const LINES = Number(process.env.APSS_BENCH_LINES ?? TARGETED_LINES);
/** A partner for every 1,000 lines, at least 10. */
export const PARTNERS = Math.max(10, Math.round(LINES / 1000));
/** Rounds of each run, the best of which counts: APSS_BENCH_ROUNDS, or 2. */
export const ROUNDS = Number(process.env.APSS_BENCH_ROUNDS ?? 2);

/**
 * Writes `apss generate --partners P --events E --violations V --seed bench` (the CLI at `cli`) to
 * `file`, unless `file` is there already (a kept log), and says what it generated and how big the log
 * is. Resolves with the log's size in bytes; a failed run leaves no file and rejects.
 */
export async function generateLog(cli, file, { partners, events, violations }) {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, 'w');
    const counts = ['--partners', `${partners}`, '--events', `${events}`, '--violations', `${violations}`];
    let generated;
    try {
      generated = await runNode([cli, 'generate', ...counts, '--seed', 'bench'], { stdout: fd });
    } finally {
      closeSync(fd);
    }
    if (generated.code !== 0) {
      rmSync(file, { force: true });
      throw new Error(`apss generate failed with exit code ${generated.code}`);
    }
    const rate = Math.round((events / generated.ms) * 1000).toLocaleString('en-US');
    console.log(
      `generated ${events.toLocaleString('en-US')} lines, ${partners} partners, ${violations} violations in ${(generated.ms / 1000).toFixed(1)} s (${rate} lines/s)`,
    );
  }
  const size = statSync(file).size;
  console.log(`log: ${file} (${mb(size)})`);
  return size;
}
