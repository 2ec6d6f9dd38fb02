import * as E from 'fp-ts/lib/Either.js';
import { parseCommandLine } from './args.js';
import { helpText } from './help.js';
import { put, type CliIo } from './io.js';
import { reasonOf } from '../lib/reason.js';

/**
 * Runs `apss` with the arguments after the program name and returns the exit status. Errors are one
 * line on stderr and status 2, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const invocation = parseCommandLine(argv);
  if (E.isLeft(invocation)) {
    const { command, message } = invocation.left;
    const program = command === undefined ? 'apss' : `apss ${command}`;
    await put(io.stderr, `${program}: ${message} (see ${program} --help)\n`);
    return 2;
  }
  const run = invocation.right;
  try {
    switch (run.command) {
      case 'help':
        await put(io.stdout, helpText(run.topic));
        return 0;
      case 'version':
        await put(io.stdout, `${await (await import('./version.js')).packageVersion()}\n`);
        return 0;
      // Each command loads what it needs, no more: an audit in shards holds little in this thread.
      case 'audit':
        return await (await import('./commands/audit.js')).auditCommand(run.args, io);
      case 'replay':
        return await (await import('./commands/replay.js')).replayCommand(run.args, io);
      case 'generate':
        return await (await import('./commands/generate.js')).generateCommand(run.args, io);
      case 'export':
        return await (await import('./commands/export.js')).exportCommand(run.args, io);
      case 'seal':
        return await (await import('./commands/seal.js')).sealCommand(run.args, io);
      case 'checkpoint':
        return await (await import('./commands/checkpoint.js')).checkpointCommand(run.args, io);
      case 'keygen':
        return await (await import('./commands/keygen.js')).keygenCommand(run.args, io);
    }
  } catch (error) {
    const reason = reasonOf(error);
    const program = run.command === 'version' ? 'apss' : `apss ${run.command}`;
    await put(io.stderr, `${program}: unexpected error: ${reason.split('\n')[0]}\n`);
    return 2;
  }
}
