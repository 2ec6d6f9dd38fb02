import { readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A file a command names: what the message calls it (`--html report.html`, `the log file x`), and its path. */
export type NamedFile = { readonly name: string; readonly path: string };

/** The file's device and inode, or none when it cannot be looked at (it does not exist yet, say). */
const identityOf = (path: string): Promise<string | undefined> =>
  stat(path).then(
    ({ dev, ino }) => `${dev}:${ino}`,
    () => undefined,
  );

/** The most links followed from one path, as the system itself allows (ELOOP past it). */
const MAX_LINKS = 40;

/**
 * Where writing to `path` lands, as an absolute path: through its links, even one whose target does
 * not exist yet, in its folder with the folder's own links resolved.
 */
async function landingOf(path: string): Promise<string> {
  let at = resolve(path);
  for (let followed = 0; followed < MAX_LINKS; followed++) {
    const target = await readlink(at).catch(() => undefined);
    if (target === undefined) break;
    at = resolve(dirname(at), target);
  }
  return join(await realpath(dirname(at)).catch(() => dirname(at)), basename(at));
}

/**
 * Why a command must not run, when a file it would write is one of the files it reads, or another
 * file it writes, by whatever path (a link, `./`, another spelling, a link to a file not made yet):
 * writing it would destroy what is read, or what was written. Checked before anything is read or
 * written.
 */
export async function clashingFiles(
  outputs: readonly NamedFile[],
  inputs: readonly NamedFile[],
): Promise<string | undefined> {
  const read = await Promise.all(
    inputs.map(async (input) => ({ input, identity: await identityOf(input.path) })),
  );
  const written: { readonly output: NamedFile; readonly landing: string }[] = [];
  for (const output of outputs) {
    const identity = await identityOf(output.path);
    const same = identity === undefined ? undefined : read.find((input) => input.identity === identity);
    if (same !== undefined)
      return `${output.name} is ${same.input.name}: writing it would destroy what is read; name another file`;
    const landing = await landingOf(output.path);
    const other = written.find((earlier) => earlier.landing === landing);
    if (other !== undefined)
      return `${output.name} and ${other.output.name} are one file: one would be written over the other; name another file`;
    written.push({ output, landing });
  }
  return undefined;
}
