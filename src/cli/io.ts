import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ProgressStream } from './progress.js';

/** Where the CLI reads and writes: the process's own streams, or test doubles. */
export type CliIo = {
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly stdout: Writable;
  readonly stderr: Writable & ProgressStream;
  /** The terminal's type (`TERM`): progress draws no control codes on a dumb one. */
  readonly term?: string | undefined;
  /**
   * The least share of a log worth a thread (`APSS_MIN_BYTES_PER_THREAD`, 16 MiB unless set), so that
   * tests and experiments can audit small logs in threads.
   */
  readonly minBytesPerThread?: string | undefined;
};

/** Writes text, waiting while the reader is behind, so that a long output never piles up in memory. */
export async function put(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
