import type { FileHandle } from 'node:fs/promises';
import { padded } from './resumeFile.js';

/** The bytes of blocks held before they are written. */
const HELD_BYTES = 64 * 1024 * 1024;
const ZEROS = new Uint8Array(4);

/**
 * Blocks laid one after the other from a position, each at a multiple of 4 bytes: held, and written
 * in batches once HELD_BYTES are held (see `drain`) and at the end (see `flush`).
 */
export class BlockWriter {
  #held: Uint8Array[] = [];
  #bytes = 0;
  readonly #writer: BatchWriter;
  constructor(
    handle: BatchTarget,
    public position: number,
  ) {
    this.#writer = new BatchWriter(handle, position);
  }

  /** Lays a block of these parts down; answers where it starts. */
  write(parts: readonly Uint8Array[]): number {
    const at = this.position;
    let length = 0;
    for (const part of parts) {
      this.#held.push(part);
      length += part.length;
    }
    if (padded(length) > length) this.#held.push(ZEROS.subarray(0, padded(length) - length));
    this.position += padded(length);
    this.#bytes += padded(length);
    return at;
  }

  /** Writes what is held if it is HELD_BYTES or more. */
  async drain(): Promise<void> {
    if (this.#bytes >= HELD_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    const held = this.#held;
    this.#held = [];
    this.#bytes = 0;
    await this.#writer.write(held);
  }
}

const IOV_BATCH = 512;
/**
 * The most bytes one write is given: Node reports what a write wrote as a 32-bit integer, so a write
 * of 2 GiB or more would say it wrote a negative count, though it wrote every byte.
 */
export const WRITE_BYTES = 1024 * 1024 * 1024;

/** What BatchWriter writes with (a FileHandle's own). */
export type BatchTarget = Pick<FileHandle, 'writev'>;

/**
 * Parts written one after the other from a position, in batches: at most IOV_BATCH parts and
 * `writeBytes` bytes to a write; a part longer than that is written a slice at a time.
 */
export class BatchWriter {
  constructor(
    private readonly handle: BatchTarget,
    private position = 0,
    private readonly writeBytes = WRITE_BYTES,
  ) {}

  /** Writes the parts one after the other from where the last write ended. */
  async write(parts: readonly Uint8Array[]): Promise<void> {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    for (const part of parts)
      for (let at = 0; at < part.length; at += this.writeBytes) {
        const slice = part.subarray(at, at + this.writeBytes);
        if (batch.length === IOV_BATCH || bytes + slice.length > this.writeBytes) {
          await this.#write(batch, bytes);
          batch = [];
          bytes = 0;
        }
        batch.push(slice);
        bytes += slice.length;
      }
    await this.#write(batch, bytes);
  }

  async #write(batch: Uint8Array[], expected: number): Promise<void> {
    if (batch.length === 0) return;
    // libuv writes again what a writev leaves; less written is an error it met (a full disk, say).
    const { bytesWritten } = await this.handle.writev(batch, this.position);
    if (bytesWritten !== expected) throw new Error(`wrote ${bytesWritten} of ${expected} bytes`);
    this.position += expected;
  }
}
