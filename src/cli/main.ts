#!/usr/bin/env node
import { runCli } from './run.js';

// A reader that goes away (`apss generate ... | head`) ends the command quietly, as for any Unix filter.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`apss: cannot write the output: ${error.message}\n`);
  process.exit(2);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  term: process.env.TERM,
  minBytesPerThread: process.env.APSS_MIN_BYTES_PER_THREAD,
});
