import * as E from 'fp-ts/lib/Either.js';
import { chunksOf, openFile } from '../audit/chunks.js';
import { reasonOf as whatItSays } from '../lib/reason.js';

/** A log to read: its bytes, its size when known (for progress), and how messages name it. */
export type LogSource = {
  readonly label: string;
  readonly size: number | undefined;
  readonly chunks: AsyncIterable<Uint8Array | string>;
};

const reasons: { readonly [code: string]: string } = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

/** Why a file could not be read, in a few words. */
export const reasonOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(reasons, code)
    ? (reasons[code] as string)
    : whatItSays(error);
};

/** The first line of a reason: a message is one line on stderr. */
export const firstLine = (reason: string): string => reason.split('\n', 1)[0] ?? '';

/**
 * A PostgreSQL connection string as pg should get it. pg 8 takes sslmode prefer, require and
 * verify-ca as verify-full (the server's certificate is verified) and says so in a warning of many
 * lines on stderr; naming verify-full keeps that meaning without the warning. A string that asks
 * for libpq's meaning (uselibpqcompat) goes as it is.
 */
export function postgresConnectionString(connectionString: string): string {
  if (/[?&]uselibpqcompat=/.test(connectionString)) return connectionString;
  return connectionString.replace(/([?&]sslmode=)(?:prefer|require|verify-ca)(?=&|#|$)/g, '$1verify-full');
}

/** Opens a log file (or stdin for `-`), so that a missing or unreadable one is one clear line before any reading. */
export async function openLog(
  file: string,
  stdin: AsyncIterable<Uint8Array | string>,
): Promise<E.Either<string, LogSource>> {
  if (file === '-') return E.right({ label: 'stdin', size: undefined, chunks: stdin });
  const opened = await openFile(file);
  if (E.isLeft(opened)) return E.left(`cannot read ${file}: ${reasonOf(opened.left)}`);
  const { handle, stats } = opened.right;
  if (stats.isDirectory()) {
    await handle.close();
    return E.left(`cannot read ${file}: ${reasons.EISDIR}`);
  }
  return E.right({ label: file, size: stats.isFile() ? stats.size : undefined, chunks: chunksOf(handle) });
}

/**
 * Why a PostgreSQL event store cannot be read as a log: its table does not exist (a wrong database,
 * schema or table, which a read would take for a log with nothing in it); none when it does.
 */
export async function absentTable(store: {
  readonly table: string;
  readonly exists: () => Promise<boolean>;
}): Promise<string | undefined> {
  return (await store.exists())
    ? undefined
    : `there is no event store table ${store.table} in that database (name it with --schema and --table)`;
}
