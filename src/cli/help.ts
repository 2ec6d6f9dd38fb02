import type { Subcommand } from './args.js';

const usage: { readonly [K in Subcommand]: string } = {
  audit: `apss audit <file.ndjson | -> [--rules default|2023] [--json] [--exit-zero] [--jobs N]
apss audit --postgres <connection string> [--rules default|2023] [--json] [--exit-zero]
  Judges every event of a log by the rules, against its partner's state just before it, and lists
  each breach: where (line), whose, which rule, and why. A line that is not a well-formed event is
  a MALFORMED_EVENT finding and is skipped.
  --rules      default: the Partner Center page of 11/11/2020; 2023: the later page
  --json       print exactly the report { records, events, partners, findings } as JSON
  --exit-zero  exit 0 even when there are findings
  --jobs       threads to audit a log file in, each judging a share of the partners; the report
               is the same (default: one per CPU, at most 4, for a file of 128 MiB or more; else 1)
  --postgres   audit a PostgreSQL event store in global order (positions count its records)
  Exit status: 0 no findings, 1 findings, 2 unusable input or arguments.`,
  replay: `apss replay <file.ndjson | -> [--view overview|reconciliation|invoice] [--as-of <instant>] [--json | --csv]
  Folds the log's events into a view (default: overview), as of an instant if given.`,
  generate: `apss generate --partners N --events M [--seed S] [--violations K]
  Writes a log of M events (lines) for N partners over 2018-2021 to stdout: the same seed gives the
  same bytes (default seed: apss). Every event is one that decide produced, except K injected
  violations of different rules. M must be at least 2 x N + K.`,
};

/** The help for one subcommand, or for all of them. */
export const helpText = (topic?: Subcommand): string =>
  topic === undefined
    ? `apss: audit, replay and generate Azure Partner Shared Services event logs (NDJSON, one event a line)

${Object.values(usage).join('\n\n')}
`
    : `${usage[topic]}\n`;
