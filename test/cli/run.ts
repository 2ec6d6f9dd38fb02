import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from '../../src/cli/run.js';

export type Ran = { readonly code: number; readonly stdout: string; readonly stderr: string };

/**
 * Runs `apss` in this process with captured streams; `tty` makes stderr claim to be a terminal (of type `term`). Stdin
 * may be chunks given as they are asked for, which may look at what was written so far (`written`).
 */
export async function apss(
  argv: readonly string[],
  options: {
    stdin?: string | Buffer | ((written: () => string) => AsyncIterable<Buffer>);
    tty?: boolean;
    term?: string;
  } = {},
): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 120 });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const given = options.stdin;
  const stdin =
    typeof given === 'function'
      ? given(() => Buffer.concat(out).toString('utf8'))
      : Readable.from(given === undefined ? [] : [Buffer.from(given)]);
  const code = await runCli(argv, { stdin, stdout, stderr, term: options.term });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** A directory of files for one test file, removed when it is done. */
export function scratch(): {
  readonly file: (name: string, content: string | Buffer) => string;
  readonly dir: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'apss-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/** The NDJSON text of some records. */
export const ndjson = (records: readonly unknown[]): string =>
  records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** The built CLI, as a user runs it (npm test builds first); worker threads load the built modules. */
const builtMain = 'dist/cli/main.js';

/** Fails the calling test file at once when the CLI has not been built. */
export function needsBuiltCli(): void {
  beforeAll(() => {
    if (!existsSync(builtMain))
      throw new Error(`${builtMain} is missing: npm test builds it first (npm run build)`);
  });
}

/**
 * Runs the built CLI in a process of its own. Test logs are far smaller than a thread is worth, so a
 * thread is allowed for any share of them (APSS_MIN_BYTES_PER_THREAD=1), unless `threads: 'as-given'`
 * leaves that to the environment; `env` adds variables.
 */
export async function apssBuilt(
  argv: readonly string[],
  {
    threads = 'any-size',
    env = {},
  }: { threads?: 'any-size' | 'as-given'; env?: Record<string, string> } = {},
): Promise<Ran> {
  const base = threads === 'any-size' ? { ...process.env, APSS_MIN_BYTES_PER_THREAD: '1' } : process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [builtMain, ...argv], {
      maxBuffer: 1 << 30,
      env: { ...base, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Ran;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
