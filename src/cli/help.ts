import type { Subcommand } from './args.js';

const usage: { readonly [K in Subcommand]: string } = {
  audit: `apss audit <file.ndjson | -> [--rules default|2023] [--json | --ndjson] [--exit-zero] [--jobs N]
           [--html <report.html>] [--verify [--checkpoint cp.json --public-key public.pem]]
apss audit <file.ndjson> --resume FILE [--rules default|2023] [--json | --ndjson] [--exit-zero]
apss audit --postgres <connection string> [--schema S] [--table T] [--rules default|2023]
           [--json | --ndjson] [--exit-zero] [--html <report.html>]
  Judges every event of a log by the rules, against its partner's state just before it, and lists
  each breach: where (line), whose, which rule, and why. A line that is not a well-formed event is
  a MALFORMED_EVENT finding and is skipped.
  <file.ndjson>  the log, one JSON event a line; - reads it from stdin
  --rules      default: the Partner Center page of 11/11/2020; 2023: the later page
  --json       print exactly the report { records, events, partners, findings } as JSON, written
               as the findings are found (the findings first, the counts at the end)
  --ndjson     print each finding as one line of JSON as it is found, then a last line of the counts
               { records, events, partners, findings } with the findings counted
               (without either: a report for people, which lists the first 1,000 findings and
               counts them all by code)
  --exit-zero  exit 0 even when there are findings
  --jobs N     threads to audit a log file in, each judging a share of the partners; the report
               is the same (default: one per CPU, at most 4, for a file of 128 MiB or more; else 1).
               When the log cannot be split, a line on stderr says why and one thread audits it.
  --postgres   audit a PostgreSQL event store in global order (positions count its records);
               --schema and --table name its table (apss.events unless given), which must exist
  --html F     also write the report as one HTML page to F, to open offline and send on: the
               findings by rule and by partner, timelines, monthly consumption, the findings
               (the first 1,000; with more, every one goes to F's name .findings.csv beside it).
               Reads the log once more after the audit; needs a file or --postgres, and the
               packages vega and vega-interpreter
  --resume FILE  keep what the audit learnt in FILE, and next time read only the lines added since:
               without FILE, a full audit that writes it; with it, the lines after the saved position
               (findings of those lines, counts of the whole log), FILE brought up to date. A FILE of
               other rules, another or rewritten log, or another format: exit 2, FILE left as it is.
  --verify     also follow the chain of a sealed log (see docs/integrity.md), in the same pass: each
               record altered, deleted, inserted or moved is a CHAIN_BROKEN finding where it is.
               A log without chain fields is audited all the same, and a line on stderr says so.
  --checkpoint a checkpoint (apss checkpoint) the log must pass through, else CHECKPOINT_MISMATCH;
               refused (status 2) unless its signature verifies under --public-key
  --public-key the PEM public key (apss keygen) that --checkpoint's signature is checked under
  Exit status: 0 no findings, 1 findings, 2 unusable input or arguments, 141 when the reader of
  the output went away before it was all written (| head).`,
  replay: `apss replay <file.ndjson | -> [--view overview|reconciliation|invoice|reservations] [--as-of <instant>] [--json | --csv]
  Folds the log's events into a view and prints it. Lines that are not well-formed events are
  skipped, and counted on stderr (apss audit lists them).
  <file.ndjson>  the log, one JSON event a line; - reads it from stdin
  --view     overview (default): each partner's shared tenant and subscriptions;
             reconciliation: one line per usage record, with its price and total;
             invoice: one line per partner and month, the total in exact decimals;
             reservations: one line per reserved instance, with its term and scope
  --as-of    an ISO-8601 instant (2020-06-30T23:59:59Z): only the events recorded until then
  --json     print exactly the view as JSON
  --csv      print the view as CSV, with a header row
  Exit status: 0 done, 2 unusable input or arguments.`,
  generate: `apss generate --partners N --events M [--seed S] [--violations K]
  Writes a log of M events (lines) for N partners over 2018-2021 to stdout: the same seed gives the
  same bytes. Every event is one that decide produced, except K injected violations of different
  rules.
  --partners N    how many partners, from 1 to 1,000,000
  --events M      how many events (lines): at least 2 x N + K (two create each partner)
  --seed S        any id (default: apss)
  --violations K  events that break a rule, each found by apss audit (default: 0)
  Exit status: 0 done, 2 unusable arguments.`,
  export: `apss export --postgres <connection string> [--schema S] [--table T]
  Writes a PostgreSQL event store's log to stdout as NDJSON, in global order, one record a line in
  canonical JSON (RFC 8785). A sealed store's lines carry the chain: type, data, metadata, streamId,
  streamPosition, globalPosition (a decimal string), prev and hash. A store that is not sealed gives
  its records with their stream fields only, and says on stderr that nothing can show they are the
  ones written. See docs/integrity.md.
  --postgres  the database, as a connection string (postgres://user@localhost/apss)
  --schema    the schema of the events table (default: apss)
  --table     the events table (default: events)
  Exit status: 0 done, 2 unusable arguments or a store that cannot be read.`,
  seal: `apss seal <file.ndjson | ->
  Seals a log of records as a sealed store would have: each record goes to stream
  partner-<partnerId> at the next position there, takes global positions 1, 2, ... in the order of
  the lines, and is linked to the one before by its hash. Writes the sealed log to stdout (one sealed
  line a record, blank lines left out) and its last hash to stderr. A malformed event is sealed as it
  is (the audit reports it); a line that is not a JSON object of exactly type, data and metadata,
  with a partnerId in its data, stops the sealing: the line and why are on stderr.
  <file.ndjson>  the log, one JSON event a line; - reads it from stdin
  Exit status: 0 sealed, 2 a line that cannot be sealed, unusable input or arguments.`,
  checkpoint: `apss checkpoint <sealed.ndjson> --key private.pem [--out cp.json]
  Follows the chain of a sealed log and signs its head (records, last global position, last hash)
  with an Ed25519 key: a checkpoint, which apss audit --verify --checkpoint checks a log against.
  A log whose chain is broken, or that is not sealed, is not signed.
  --key   the Ed25519 private key, PEM (apss keygen writes one)
  --out   write the checkpoint there (default: stdout)
  Exit status: 0 signed, 2 unusable input or arguments, or a log that cannot be signed.`,
  keygen: `apss keygen --out-dir DIR
  Writes a new Ed25519 key pair for checkpoints: DIR/private.pem (readable by you only; keep it
  secret) and DIR/public.pem (hand it to auditors). Never overwrites a key.
  Exit status: 0 written, 2 unusable arguments, or a key already there.`,
};

const general = `  apss help <command>   the help of one command (or apss <command> --help)
  apss --version        the version of apss`;

/** The help for one subcommand, or for all of them. */
export const helpText = (topic?: Subcommand): string =>
  topic === undefined
    ? `apss: audit, replay, generate, export, seal and sign (checkpoint, keygen) Azure Partner Shared Services event logs (NDJSON, one event a line)

${Object.values(usage).join('\n\n')}

${general}
`
    : `${usage[topic]}\n`;
