/** Where `writeAll` writes: a FileHandle, say. */
export type VectoredFile = {
  readonly writev: (buffers: Uint8Array[]) => Promise<{ readonly bytesWritten: number }>;
};

/**
 * Writes every byte of `parts`, in order, at the handle's position. One `writev` writes at most
 * about 2 GB on Linux (and may write less for other reasons): what it leaves is written by the next.
 */
export async function writeAll(handle: VectoredFile, parts: readonly Uint8Array[]): Promise<void> {
  let rest = parts.filter((part) => part.length > 0);
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest);
    if (bytesWritten <= 0) throw new Error('the file took none of the bytes written to it');
    rest = after(rest, bytesWritten);
  }
}

/** The bytes of `parts` after their first `written`. */
function after(parts: readonly Uint8Array[], written: number): Uint8Array[] {
  let skipped = 0;
  let i = 0;
  while (i < parts.length && skipped + (parts[i] as Uint8Array).length <= written) {
    skipped += (parts[i] as Uint8Array).length;
    i += 1;
  }
  const rest = parts.slice(i);
  const first = rest[0];
  if (first !== undefined && written > skipped) rest[0] = first.subarray(written - skipped);
  return rest;
}
