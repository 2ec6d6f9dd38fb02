import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { readFile } from 'node:fs/promises';

const PackageJson = t.type({ version: t.string });

/** The version in this package's package.json (two folders up, from src/cli or dist/cli). */
export async function packageVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  const decoded = PackageJson.decode(JSON.parse(text));
  if (E.isLeft(decoded)) throw new Error('package.json has no version string');
  return decoded.right.version;
}
