// The generated logs the benchmarks that run `apss` share: `apss generate` with the seed 'bench', so
// that every bench of one size reads the same lines.
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { runNode } from './_child.mjs';

/**
 * Writes `apss generate --partners P --events E --violations V --seed bench` (the CLI at `cli`) to
 * `file`, unless `file` is there already (a kept log). Resolves with the generating run (its `ms`,
 * `rss`), or undefined when the log was kept; a failed run leaves no file and rejects.
 */
export async function generateLog(cli, file, { partners, events, violations }) {
  if (existsSync(file)) return undefined;
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
  return generated;
}
