import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll } from 'vitest';
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
