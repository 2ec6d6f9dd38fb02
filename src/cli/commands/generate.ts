import type { GenerateArguments } from '../args.js';
import { generateLog } from '../generate/log.js';
import { put, type CliIo } from '../io.js';
import { Progress } from '../progress.js';

/** Lines are written in blocks of about this many characters. */
const BLOCK = 1 << 20;

/** `apss generate`: the log on stdout, written as fast as the reader takes it. */
export async function generateCommand(args: GenerateArguments, io: CliIo): Promise<number> {
  const progress = new Progress(io, 'generating');
  let block: string[] = [];
  let size = 0;
  let written = 0;
  try {
    for (const line of generateLog(args)) {
      block.push(line);
      size += line.length + 1;
      written += 1;
      if (size >= BLOCK) {
        await put(io.stdout, `${block.join('\n')}\n`);
        progress.update(written, undefined, args.events);
        block = [];
        size = 0;
      }
    }
    if (block.length > 0) await put(io.stdout, `${block.join('\n')}\n`);
  } finally {
    progress.done();
  }
  return 0;
}
