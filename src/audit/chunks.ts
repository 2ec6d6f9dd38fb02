import * as E from 'fp-ts/lib/Either.js';
import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Big reads: each read is a trip to libuv's thread pool, and the buffer is reused, so size costs nothing. */
const READ_BYTES = 1024 * 1024;

/**
 * A file's bytes, a chunk at a time, all read into one buffer: the reader must be done with a chunk
 * before it asks for the next (the NDJSON reader is: it copies what it keeps). Fresh buffers of this
 * size would each be mapped afresh, and page-fault, every time. Closes the file when done.
 */
export async function* chunksOf(handle: FileHandle, chunkBytes = READ_BYTES): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(chunkBytes);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** A file opened, and what it is: a regular file, a pipe, a device, a directory. */
export type OpenedFile = { readonly handle: FileHandle; readonly stats: Stats };

/** Opens a file to read and looks at it once; Left: what opening or looking threw. */
export async function openFile(path: string): Promise<E.Either<unknown, OpenedFile>> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return E.left(error);
  }
  try {
    return E.right({ handle, stats: await handle.stat() });
  } catch (error) {
    await handle.close();
    return E.left(error);
  }
}

/** The chunks of the file at `path` (see chunksOf). */
export async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  yield* chunksOf(await open(path, 'r'));
}

/** The pieces a reader that waits for its output reads at a time (see slicesOf). */
export const PACED_BYTES = 64 * 1024;

/**
 * The chunks cut into pieces of at most `bytes`: whoever waits between chunks (for its output to be
 * taken) then waits after less input, so that what a chunk's lines produce stays small.
 */
export async function* slicesOf<T extends Uint8Array | string>(
  chunks: AsyncIterable<T>,
  bytes: number,
): AsyncGenerator<T, void, undefined> {
  for await (const chunk of chunks)
    for (let at = 0; at < chunk.length; at += bytes)
      yield (typeof chunk === 'string' ? chunk.slice(at, at + bytes) : chunk.subarray(at, at + bytes)) as T;
}

/**
 * The chunks of a source in small pieces, each asked for once `ready` resolves: reading waits for the
 * output to be taken, so that what the findings of a chunk's lines weigh does not pile up.
 */
export async function* paced<T extends Uint8Array | string>(
  chunks: AsyncIterable<T>,
  ready: () => Promise<void>,
): AsyncGenerator<T, void, undefined> {
  for await (const chunk of slicesOf(chunks, PACED_BYTES)) {
    yield chunk;
    await ready();
  }
}

/** The chunks of a source, counting their bytes as they pass. */
export async function* counting<T extends Uint8Array | string>(
  chunks: AsyncIterable<T>,
  count: (bytes: number) => void,
): AsyncGenerator<T, void, undefined> {
  for await (const chunk of chunks) {
    count(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    yield chunk;
  }
}
