import { stat } from 'node:fs/promises';

/** A file a command names: what the message calls it (`--html report.html`, `the log file x`), and its path. */
export type NamedFile = { readonly name: string; readonly path: string };

/** The file's device and inode, or none when it cannot be looked at (it does not exist yet, say). */
const identityOf = (path: string): Promise<string | undefined> =>
  stat(path).then(
    ({ dev, ino }) => `${dev}:${ino}`,
    () => undefined,
  );

/**
 * Why a command must not run, when a file it would write is one of the files it reads, by whatever
 * path (a link, `./`, another spelling): writing it would destroy what is read. Checked before
 * anything is read or written.
 */
export async function overwrittenInput(
  outputs: readonly NamedFile[],
  inputs: readonly NamedFile[],
): Promise<string | undefined> {
  const read = await Promise.all(
    inputs.map(async (input) => ({ input, identity: await identityOf(input.path) })),
  );
  for (const output of outputs) {
    const identity = await identityOf(output.path);
    const same = identity === undefined ? undefined : read.find((input) => input.identity === identity);
    if (same !== undefined)
      return `${output.name} is ${same.input.name}: writing it would destroy what is read; name another file`;
  }
  return undefined;
}
