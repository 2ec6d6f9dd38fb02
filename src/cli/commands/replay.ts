import * as E from 'fp-ts/lib/Either.js';
import { ndjsonValues } from '../../audit/ndjson.js';
import type { ReplayArguments } from '../args.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { replayRecords } from '../replay.js';
import { counting } from '../../audit/chunks.js';
import { openLog, reasonOf } from '../source.js';

/** `apss replay`: the view on stdout; records that are not events are skipped, and counted on stderr. */
export async function replayCommand(args: ReplayArguments, io: CliIo): Promise<number> {
  const opened = await openLog(args.file, io.stdin);
  if (E.isLeft(opened)) {
    await put(io.stderr, `apss replay: ${opened.left}\n`);
    return 2;
  }
  const { label, size, chunks } = opened.right;
  const progress = new Progress(io, `replaying ${label}`, size);
  let bytes = 0;
  let result: { records: number; events: number; skipped: number };
  try {
    result = await replayRecords(
      // A line that is not JSON stands as null, which no view takes for an event: it is counted as skipped.
      ndjsonValues(
        counting(chunks, (n) => (bytes += n)),
        () => null,
        {
          afterChunk: (lines) => progress.update(lines, bytes),
        },
      ),
      {
        view: args.view,
        format: args.json ? 'json' : args.csv ? 'csv' : 'text',
        ...(args.asOf === undefined ? {} : { asOf: args.asOf }),
      },
      (chunk) => {
        progress.done();
        io.stdout.write(chunk);
      },
    );
  } catch (error) {
    progress.done();
    await put(io.stderr, `apss replay: cannot read ${label}: ${reasonOf(error)}\n`);
    return 2;
  }
  progress.done();
  if (result.skipped > 0)
    await put(
      io.stderr,
      `apss replay: skipped ${result.skipped} of ${result.records} records that are not well-formed events (apss audit ${args.file === '-' ? '-' : label} lists them)\n`,
    );
  return 0;
}
