import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresRequired, unreachableReason, where } from '../postgres/support.js';
import { documentedBlocks, root, type Block } from './markdown.js';

// Every ```ts block of README.md and docs/ is type-checked against the built package, as a user's
// program importing `apss-domain` would be, and run with node unless marked `no-run`. Blocks marked
// `vitest` are test files, run by vitest; blocks marked `postgres` run against a database of their
// own when a server is reachable. The package is the built one: `npm test` builds it first.

const run = promisify(execFile);
const blocks = documentedBlocks().filter((block) => block.lang === 'ts');
const runnable = (block: Block) => !block.flags.has('no-run');
const needsPostgres = (block: Block) => block.flags.has('postgres');
const isTestFile = (block: Block) => block.flags.has('vitest');
const located = (block: Block) => `${block.file}:${block.line}`;

// Inside the project, so that `apss-domain` resolves to the package itself through its exports map.
const dir = mkdtempSync(join(root, '.docs-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// vitest's defaults, not the project's config, which maps `apss-domain` to src/.
const vitestConfig = join(dir, 'vitest.config.mjs');
writeFileSync(vitestConfig, 'export default {};\n');

const sourceOf = new Map<Block, string>();
for (const block of blocks) {
  const name = `${block.file.replace(/[^\w]+/g, '-')}-${block.line}`;
  const path = join(dir, isTestFile(block) ? `${name}.test.ts` : `${name}.ts`);
  // `export {}` makes every block a module of its own, so top-level await works and names never clash.
  writeFileSync(path, `${block.code}\nexport {};\n`);
  sourceOf.set(block, path);
}

/** The project's compiler options, without the paths that map `apss-domain` to src/ for its own tests. */
function compilerOptions(): ts.CompilerOptions {
  const file = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(file.config, ts.sys, root);
  return { ...options, paths: undefined, noEmit: false, outDir: undefined, rootDir: dir, declaration: false };
}

const program = ts.createProgram([...sourceOf.values()], compilerOptions());
const emitted = program.emit();

/** The compiler's complaints about one block, as `README.md:42: message`. */
function diagnosticsOf(block: Block): string[] {
  const source = program.getSourceFile(sourceOf.get(block) ?? '');
  if (source === undefined) return [`${located(block)}: not compiled`];
  return [...ts.getPreEmitDiagnostics(program, source), ...emitted.diagnostics]
    .filter((d) => d.file === source)
    .map((d) => {
      const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${block.file}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

async function runBlock(block: Block, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const script = (sourceOf.get(block) ?? '').replace(/\.ts$/, '.js');
  const vitest = join(root, 'node_modules/vitest/vitest.mjs');
  const argv = isTestFile(block)
    ? [vitest, 'run', '--root', dir, '--config', vitestConfig, relative(dir, sourceOf.get(block) ?? '')]
    : [script];
  try {
    await run(process.execPath, argv, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${located(block)} failed (${relative(root, script)}):\n${stderr ?? ''}${stdout ?? ''}`);
  }
}

/** A database made for one block and dropped after it, so that a block always starts from nothing. */
async function withDatabase(work: (database: string) => Promise<void>): Promise<void> {
  const database = `apss_docs_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client();
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    try {
      await work(database);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

const postgresUnreachable = blocks.some(needsPostgres) ? await unreachableReason() : undefined;
if (postgresUnreachable !== undefined && !postgresRequired)
  console.log(
    `docs: not running the PostgreSQL examples, no server at ${where()} (${postgresUnreachable}); they are type-checked`,
  );

describe('the TypeScript examples of the docs', () => {
  it('are there, in the README and in the docs', () => {
    expect(new Set(blocks.map((block) => block.file.split('/')[0]))).toEqual(new Set(['README.md', 'docs']));
  });

  it('are every code example: none is marked js or typescript, which would escape the check', () => {
    const unchecked = documentedBlocks().filter((block) =>
      ['js', 'javascript', 'mjs', 'typescript', 'tsx'].includes(block.lang),
    );
    expect(unchecked.map(located)).toEqual([]);
  });

  it('carry only the marks this test knows, so that a misspelt one is not ignored', () => {
    const known = new Set(['no-run', 'vitest', 'postgres']);
    const unknown = blocks.filter((block) => [...block.flags].some((flag) => !known.has(flag)));
    expect(unknown.map((block) => `${located(block)}: ${[...block.flags].join(' ')}`)).toEqual([]);
  });

  describe.each(blocks.map((block) => [located(block), block] as const))('%s', (_, block) => {
    it('type-checks against the built package', () => {
      expect(diagnosticsOf(block)).toEqual([]);
    });

    if (!runnable(block)) return;
    if (!needsPostgres(block))
      it('runs to the end without an error', async () => {
        await runBlock(block);
      });
    else if (postgresUnreachable === undefined)
      it('runs to the end without an error, on a database of its own', async () => {
        await withDatabase((database) => runBlock(block, { PGDATABASE: database }));
      });
    else if (postgresRequired)
      it('runs on PostgreSQL, as APSS_REQUIRE_POSTGRES=1 demands', () => {
        throw new Error(`PostgreSQL at ${where()} is required but unreachable: ${postgresUnreachable}`);
      });
  });
});
