import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, writeFile } from 'node:fs/promises';

/** The tokens of the locks this process holds: a lock of its own process id whose token is not one of them was left by an earlier process of that id. */
const held = new Set<string>();

/** Why a lock that is there refuses: its holder, as far as its process id tells (ids are reused). */
async function lockHeld(lock: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(lock, 'utf8');
  } catch (error) {
    // Let go of since the link failed: a run was writing it a moment ago.
    if ((error as { code?: unknown }).code === 'ENOENT') return `another run was writing it (${lock})`;
    throw error;
  }
  const holder = Number(content.split(' ')[0]);
  const known = Number.isSafeInteger(holder) && holder > 0;
  const running = known && (holder === process.pid ? held.has(content) : isRunning(holder));
  const advice = `if no run is writing it, delete ${lock}`;
  // Made where hard links are not (see withLock), a lock is empty until its maker writes it.
  if (content === '') return `another run is making ${lock}, or left it empty (${advice})`;
  return running
    ? `another run is writing it (process ${holder} holds ${lock}; ${advice})`
    : `${lock} was left by a run that is no longer running (process ${known ? holder : 'unknown'}): ${advice}`;
}

/**
 * What link() fails with on a filesystem without hard links (FAT, exFAT, some network and FUSE
 * mounts); on Windows, FAT's answer comes as EISDIR.
 */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EISDIR']);

/** Creates the lock under its name, which fails if it is taken, then writes it; a lock it made but could not write is removed. */
async function createLock(lock: string, token: string): Promise<void> {
  const handle = await open(lock, 'wx');
  try {
    await handle.writeFile(token);
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(lock, { force: true });
    throw error;
  }
}

/**
 * Runs `work` holding FILE.lock, made for it whole (the process's id and a token, written to a file of
 * its own first, then linked to that name, which fails if it is taken): two runs that write one file
 * at once would write their blocks over each other's. Where the filesystem has no hard links, the
 * lock is created under its name (which fails if it is taken too) and then written. A lock that is
 * there refuses, saying whether its process is still running: one left by a run that was stopped is
 * deleted by hand, as git's index.lock is, since taking it over could take it from a run that is
 * starting.
 */
export async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const mine = `${lock}.${token.replace(' ', '.')}`;
  try {
    await writeFile(mine, token, { flag: 'wx' });
    await link(mine, lock).catch(async (error: unknown) => {
      if (!NO_HARD_LINKS.has(String((error as { code?: unknown }).code))) throw error;
      await createLock(lock, token);
    });
    held.add(token);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST') throw new Error(await lockHeld(lock));
    // Named for the lock, not for the file of its own it is made from first.
    if (typeof code === 'string') throw new Error(`${code}: ${lock} could not be made`, { cause: error });
    throw error;
  } finally {
    await rm(mine, { force: true });
  }
  try {
    return await work();
  } finally {
    if ((await readFile(lock, 'utf8').catch(() => '')) === token) await rm(lock, { force: true });
    held.delete(token);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
