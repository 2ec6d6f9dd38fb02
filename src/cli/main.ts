#!/usr/bin/env node
import { runCli } from './run.js';

/** The status of a filter stopped by SIGPIPE, as a shell gives it (128 + 13). */
const STOPPED_BY_SIGPIPE = 141;

// A reader that goes away (`apss audit ... | head`) stops the command as SIGPIPE stops any Unix
// filter, not with 0: the command did not finish (no page, no resume file moved on), and 0 would
// tell a pipeline with pipefail that the audit found nothing.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.stderr.write('apss: stopped: the reader of the output went away\n');
    process.exit(STOPPED_BY_SIGPIPE);
  }
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
