import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { documentedBlocks, root, type Block } from './markdown.js';

// The `apss` sessions shown in ```console blocks of README.md and docs/ are run with the built CLI
// against the bundled example, and must print what the docs show (stdout and stderr, as a terminal
// would interleave them). Sessions that need anything but `apss` and the usual shell tools (psql, a
// server) are left to the reader.

const run = promisify(execFile);

type Step = { readonly command: string; readonly output: string };

/** The commands of a session (`$ ...`) and what each printed, trailing spaces and blank lines trimmed. */
function steps(block: Block): readonly Step[] {
  const result: { command: string; output: string[] }[] = [];
  for (const line of block.code.split('\n')) {
    if (line.startsWith('$ ')) result.push({ command: line.slice(2), output: [] });
    else result.at(-1)?.output.push(line.trimEnd());
  }
  return result.map(({ command, output }) => ({ command, output: output.join('\n').trimEnd() }));
}

const onlyApss = (command: string) =>
  command.startsWith('apss ') &&
  !command.includes('--postgres') &&
  command
    .replace(/'[^']*'/g, "''")
    .split('|')
    .slice(1)
    .every((stage) => /^\s*(apss|jq|head)\s/.test(stage));

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const sessions = documentedBlocks()
  .filter((block) => block.lang === 'console')
  .map((block) => ({ block, steps: steps(block) }))
  .filter(({ steps }) => steps.length > 0 && steps.every(({ command }) => onlyApss(command)));

const skipped = sessions.filter(({ steps }) => steps.some(({ command }) => command.includes('jq'))).length;
if (!hasJq && skipped > 0)
  console.log(`docs: not running ${skipped} apss sessions that need jq, which is not installed`);

/**
 * A directory of a session's own, where `examples/` is the project's: what a session writes (a
 * sealed log, keys, a report) stays there, and the next step of the same session finds it.
 */
function sessionDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'apss-docs-'));
  symlinkSync(join(root, 'examples'), join(dir, 'examples'));
  return dir;
}

/** Runs one command line in sh, in `cwd`, with `apss` the built CLI, stderr merged into stdout. */
async function shell(command: string, cwd: string): Promise<string> {
  const script = `apss() { node "${join(root, 'dist/cli/main.js')}" "$@"; }\n{ ${command}; } 2>&1`;
  try {
    return (await run('sh', ['-c', script], { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    // `apss audit` exits 1 on findings: what it printed is still what the docs show.
    return (error as { stdout?: string }).stdout ?? String(error);
  }
}

const trimmed = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();

describe('the apss sessions of the docs', () => {
  it('are there', () => {
    expect(sessions.length).toBeGreaterThan(3);
  });

  it('include the one npm start runs, in the README', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const start = scripts.start.replace(/^node dist\/cli\/main\.js /, 'apss ');
    const readme = sessions.filter(({ block }) => block.file === 'README.md');
    expect(readme.flatMap(({ steps }) => steps.map(({ command }) => command))).toContain(start);
  });

  describe.each(sessions.map((session) => [`${session.block.file}:${session.block.line}`, session] as const))(
    '%s',
    (_, { steps }) => {
      const needsJq = steps.some(({ command }) => command.includes('jq'));
      it.skipIf(needsJq && !hasJq)('prints what the docs show', async () => {
        const cwd = sessionDirectory();
        for (const { command, output } of steps)
          expect(`$ ${command}\n${trimmed(await shell(command, cwd))}`).toBe(`$ ${command}\n${output}`);
      });
    },
  );
});
