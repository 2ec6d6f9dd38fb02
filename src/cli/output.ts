import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AuditSummary, LogFinding } from '../audit/auditor.js';
import { reasonOf } from '../lib/reason.js';
import { TextReport, type ReportContext } from './report.js';

/**
 * What a FindingsOutput's `ready` rejects with when what it writes to failed: the audit stops, and
 * its message says which file could not be written (the log itself was read well).
 */
export class OutputFailure extends Error {}

/** Text is handed to the stream in blocks of about this many characters. */
const BLOCK = 1 << 16;

/** Text gathered into blocks for a stream, so that a write per finding does not cost a write call each. */
class BlockWriter {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly stream: Writable) {}

  add(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= BLOCK) this.flush();
  }

  /** Resolves once the stream has taken what it was given, so that output never piles up in memory. */
  async ready(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  /**
   * Writes what is left and resolves once the stream has taken it, or rejects: the last write is
   * waited for itself, since one that failed at once (its reader gone, a full disk) leaves a stream
   * destroyed and needing no drain, and its error would only come after the caller had gone on (to
   * bring a resume file up to date, say).
   */
  async end(): Promise<void> {
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    await new Promise<void>((resolve, reject) =>
      this.stream.write(text, (error) =>
        error === undefined || error === null
          ? resolve()
          : reject(new OutputFailure(`cannot write the output: ${reasonOf(error)}`)),
      ),
    );
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.stream.write(this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
}

/**
 * Where the findings of an audit go as they are found, in log order: `add` takes one, `ready` resolves
 * when the reader has caught up (the audit waits for it), `finish` writes what only the end knows.
 * Nothing is written before the first finding, so that a log that cannot be read leaves stdout empty.
 */
export type FindingsOutput = {
  readonly add: (finding: LogFinding) => void;
  readonly ready: () => Promise<void>;
  readonly finish: (summary: AuditSummary, context: ReportContext) => Promise<void>;
};

/**
 * The AuditReport as JSON, written as it is found: the findings first, one a line, then the counts,
 * which only the end knows. The same JSON value as `JSON.stringify(report)`.
 */
export function jsonOutput(stream: Writable): FindingsOutput {
  const writer = new BlockWriter(stream);
  let first = true;
  return {
    add: (finding) => {
      writer.add(`${first ? '{\n  "findings": [\n    ' : ',\n    '}${JSON.stringify(finding)}`);
      first = false;
    },
    ready: () => writer.ready(),
    finish: async ({ records, events, partners, chain }) => {
      const verified = chain === undefined ? '' : `,\n  "chain": ${JSON.stringify(chain)}`;
      writer.add(
        `${first ? '{\n  "findings": [' : '\n  '}],\n  "records": ${records},\n  "events": ${events},\n  "partners": ${partners}${verified}\n}\n`,
      );
      await writer.end();
    },
  };
}

/** One finding a line as JSON, then a last line of the counts: the AuditSummary, findings counted. */
export function ndjsonOutput(stream: Writable): FindingsOutput {
  const writer = new BlockWriter(stream);
  return {
    add: (finding) => writer.add(`${JSON.stringify(finding)}\n`),
    ready: () => writer.ready(),
    finish: async (summary) => {
      writer.add(`${JSON.stringify(summary)}\n`);
      await writer.end();
    },
  };
}

/** The report for a person, written at the end: it lists the first findings and counts all of them. */
export function textOutput(stream: Writable): FindingsOutput {
  const writer = new BlockWriter(stream);
  const report = new TextReport();
  return {
    add: (finding) => report.add(finding),
    ready: () => writer.ready(),
    finish: async (summary, context) => {
      writer.add(report.format(summary, context));
      await writer.end();
    },
  };
}
