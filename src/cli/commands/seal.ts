import * as E from 'fp-ts/lib/Either.js';
import { counting } from '../../audit/chunks.js';
import { NdjsonSplitter, everyLine } from '../../audit/ndjson.js';
import type { SealArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { LogSealer } from '../sealing.js';
import { openLog, reasonOf } from '../source.js';

type Read = { readonly line: number } & ({ readonly value: unknown } | { readonly problem: string });

/**
 * `apss seal`: the log's records as sealed lines on stdout, in the order read. A line that is not an
 * event it can seal stops it with status 2, naming the line; the output is then not a sealed log.
 */
export async function sealCommand(args: SealArguments, io: CliIo): Promise<number> {
  const opened = await openLog(args.file, io.stdin);
  if (E.isLeft(opened)) {
    await put(io.stderr, `apss seal: ${opened.left}\n`);
    return 2;
  }
  const { label, size, chunks } = opened.right;
  const progress = new Progress(io, `sealing ${label}`, size);
  const sealer = new LogSealer();
  let ready: Read[] = [];
  const splitter = new NdjsonSplitter(
    {
      value: (line, value) => ready.push({ line, value }),
      problem: (line, problem) => ready.push({ line, problem }),
    },
    everyLine,
  );
  let bytes = 0;
  /** Writes the lines read so far; the reason the first one that cannot be sealed gives, if any. */
  const drain = async (): Promise<string | undefined> => {
    const reads = ready;
    ready = [];
    let out = '';
    for (const read of reads) {
      const sealed = 'value' in read ? sealer.line(read.value) : E.left(read.problem);
      if (E.isLeft(sealed)) {
        await put(io.stdout, out);
        return `line ${read.line} of ${label} is not an event to seal: ${sealed.left}`;
      }
      out += `${sealed.right}\n`;
    }
    await put(io.stdout, out);
    return undefined;
  };
  let refused: string | undefined;
  try {
    for await (const chunk of counting(chunks, (n) => (bytes += n))) {
      splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      progress.update(splitter.lines, bytes);
      if ((refused = await drain()) !== undefined) break;
    }
    if (refused === undefined) {
      splitter.end();
      refused = await drain();
    }
  } catch (error) {
    progress.done();
    await put(io.stderr, `apss seal: cannot read ${label}: ${reasonOf(error)}\n`);
    return 2;
  }
  progress.done();
  if (refused !== undefined) {
    await put(io.stderr, `apss seal: ${refused}\n`);
    return 2;
  }
  await put(
    io.stderr,
    `apss seal: sealed ${sealer.sealed} records of ${label}; the last hash is ${sealer.head}\n`,
  );
  return 0;
}
