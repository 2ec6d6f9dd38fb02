import { once } from 'node:events';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { AuditSummary, LogFinding } from '../audit/auditor.js';
import { fileChunks } from '../audit/chunks.js';
import { readNdjson } from '../audit/ndjson.js';
import type { ObserverPlan } from '../audit/observer.js';
import { csvField } from '../projections/csv.js';
import { reportData } from '../report/build.js';
import { INLINE_FINDINGS } from '../report/data.js';
import { chartLibraries, chartLibrariesInstalled } from '../report/html.js';
import {
  observerPlan,
  ofTheChain,
  seenOfRead,
  type Observation,
  type ObserverConfig,
  type Seen,
} from '../report/observer.js';
import { pageCharts, renderPage } from '../report/page.js';
import { FindingsTally } from '../report/tally.js';
import type { AuditArguments } from './args.js';
import { findingsFileOf } from './htmlPaths.js';
import { OutputFailure, type FindingsOutput } from './output.js';
import { reasonOf } from './source.js';

const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;
const findingLine = ({ position, partnerId, eventType, code, message }: LogFinding): string =>
  csvLine([String(position), partnerId ?? '', eventType ?? '', code, message]);

const WRITE_CHARACTERS = 64 * 1024;

/**
 * Every finding as CSV, written only once there are more than the page lists: the first ones are
 * held until then, so that a small audit leaves one file.
 */
class FindingsFile {
  private held: LogFinding[] | undefined = [];
  private stream: WriteStream | undefined;
  private pending = '';
  private failed: unknown;

  constructor(readonly path: string) {}

  private readonly removeUnended = (): void => rmSync(this.path, { force: true });

  add(finding: LogFinding): void {
    if (this.held !== undefined) {
      this.held.push(finding);
      if (this.held.length <= INLINE_FINDINGS) return;
      this.stream = createWriteStream(this.path);
      this.stream.on('error', (error) => (this.failed ??= error));
      // A process that exits before the file is ended (its output's reader went away) removes it too.
      process.once('exit', this.removeUnended);
      this.stream.write(
        csvLine(['position', 'partner', 'event', 'code', 'why']) + this.held.map(findingLine).join(''),
      );
      this.held = undefined;
      return;
    }
    this.pending += findingLine(finding);
    if (this.pending.length >= WRITE_CHARACTERS) this.flush();
  }

  /** Writes the lines gathered: one write per many findings, not one each. */
  private flush(): void {
    if (this.pending.length === 0) return;
    this.stream?.write(this.pending);
    this.pending = '';
  }

  /** Resolves once the file has taken what it was given; rejects, naming it, once it has failed. */
  async ready(): Promise<void> {
    try {
      if (this.stream?.writableNeedDrain === true) await once(this.stream, 'drain');
    } catch (error) {
      this.failed ??= error;
    }
    if (this.failed !== undefined)
      throw new OutputFailure(`cannot write ${this.path}: ${reasonOf(this.failed)}`);
  }

  get written(): boolean {
    return this.stream !== undefined;
  }

  /**
   * Lets go of the file unfinished and removes it: an audit that failed leaves no file that would
   * claim to hold every finding.
   */
  async abandon(): Promise<void> {
    const { stream } = this;
    if (stream === undefined) return;
    process.off('exit', this.removeUnended);
    this.stream = undefined;
    stream.destroy();
    // A stream that failed has closed already, and closes no more.
    if (!stream.closed) await once(stream, 'close').catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }

  /** Ends the file, or says why it could not be written. */
  async end(): Promise<E.Either<string, void>> {
    if (this.stream !== undefined && this.failed === undefined) {
      this.flush();
      this.stream.end();
      await once(this.stream, 'close').catch(() => undefined);
    }
    // Only a file ended whole is kept if the process exits from here on.
    if (this.failed === undefined) process.off('exit', this.removeUnended);
    return this.failed === undefined
      ? E.right(undefined)
      : E.left(`cannot write ${this.path}: ${reasonOf(this.failed)}`);
  }
}

/** Read past the last record asked for: reading stops there. */
class ReadEnough extends Error {}

/**
 * The records of a log file at some positions, as the page shows them: those of the listed findings
 * of a sealed log's chain, which no thread's observer saw (such a finding is found where the threads'
 * records meet). The file is read up to the last of them.
 */
async function recordsAt(file: string, positions: readonly number[]): Promise<ReadonlyMap<number, Seen>> {
  const seen = new Map<number, Seen>();
  const wanted = new Set(positions);
  const last = Math.max(...positions);
  const take = (position: number, read: Parameters<typeof seenOfRead>[0]): void => {
    if (wanted.has(position)) seen.set(position, seenOfRead(read));
    if (position >= last) throw new ReadEnough();
  };
  await readNdjson(fileChunks(file), {
    value: (position, value) => take(position, { value }),
    problem: (position, problem) => take(position, { problem }),
  }).catch((error: unknown) => {
    if (!(error instanceof ReadEnough)) throw error;
  });
  return seen;
}

/** The chain's listed findings (of `--verify`), whose records the observers did not see. */
const unseenOfTheChain = (tally: FindingsTally, observed: readonly Observation[]): readonly number[] =>
  tally.first
    .filter(ofTheChain)
    .map(({ position }) => position)
    .filter((position) => position > 0 && observed.every(({ seen }) => !seen.has(position)));

/**
 * `apss audit --html`: the findings tallied as the audit gives them, the records observed as it
 * judges them, in its own pass and threads, and the page written once it is done.
 */
export type HtmlReport = {
  /** The audit's output, which also tallies each finding for the page. */
  readonly wrap: (output: FindingsOutput) => FindingsOutput;
  /** How the audit is to observe the records it judges, for the page. */
  readonly observe: ObserverPlan<ObserverConfig>;
  /**
   * Writes the page from what the audit's observers gathered (and the file of every finding, when
   * there are many).
   */
  readonly write: (
    summary: AuditSummary,
    source: string,
    observed: readonly unknown[],
  ) => Promise<E.Either<string, string>>;
  /** After an audit that failed: no page, and the file of every finding begun meanwhile removed. */
  readonly abandon: () => Promise<void>;
};

/** Prepares the page of `args.html`, or says why it cannot be made (Vega is missing). */
export async function htmlReport(
  args: AuditArguments & { readonly html: string },
): Promise<E.Either<string, HtmlReport>> {
  const installed = chartLibrariesInstalled();
  if (E.isLeft(installed)) return installed;
  // Loaded and set up while the audit runs in its threads, and waited for when the page is written.
  const charts = chartLibraries().then((loaded) =>
    E.isLeft(loaded)
      ? loaded
      : E.tryCatch(
          () => pageCharts(loaded.right),
          (error) => `cannot set up the report's charts: ${reasonOf(error)}`,
        ),
  );
  const tally = new FindingsTally();
  const everyFinding = new FindingsFile(findingsFileOf(args.html));
  return E.right({
    observe: observerPlan({ views: true, compare: args.rules !== 'default' }),
    wrap: (output) => ({
      add: (finding) => {
        output.add(finding);
        tally.add(finding);
        everyFinding.add(finding);
      },
      ready: async () => {
        await Promise.all([output.ready(), everyFinding.ready()]);
      },
      finish: output.finish,
    }),
    abandon: async () => {
      await everyFinding.abandon();
      const prepared = await charts;
      if (E.isRight(prepared)) for (const chart of Object.values(prepared.right)) chart.finalize();
    },
    write: async (summary, source, observed) => {
      const prepared = await charts;
      if (E.isLeft(prepared)) return prepared;
      const ended = await everyFinding.end();
      if (E.isLeft(ended)) return ended;
      const bytes =
        args.file === undefined
          ? undefined
          : await stat(args.file).then(
              ({ size }) => size,
              () => undefined,
            );
      // Made by the observers of `observe`, in the audit's threads.
      const observations = observed as readonly Observation[];
      const unseen = args.file === undefined ? [] : unseenOfTheChain(tally, observations);
      let chainRecords: ReadonlyMap<number, Seen> = new Map();
      try {
        if (args.file !== undefined && unseen.length > 0) chainRecords = await recordsAt(args.file, unseen);
      } catch (error) {
        return E.left(
          `cannot read ${source} again for the records of the chain's findings: ${reasonOf(error)}`,
        );
      }
      const data = reportData(
        tally,
        {
          log: { name: args.file ?? source, bytes },
          rules: args.rules,
          madeAt: new Date().toISOString(),
          summary,
          findingsFile: everyFinding.written ? basename(everyFinding.path) : undefined,
        },
        [...observations, { seen: chainRecords, months: new Map(), marks: new Map() }],
      );
      const page = await renderPage(data, prepared.right);
      try {
        await writeFile(args.html, page);
      } catch (error) {
        return E.left(`cannot write ${args.html}: ${reasonOf(error)}`);
      }
      // The page and the file of every finding beside it are one report: an earlier run's file, of
      // findings this page does not list, is not left beside it to be taken for this one's.
      if (!everyFinding.written)
        try {
          await rm(everyFinding.path, { force: true });
        } catch (error) {
          return E.left(`cannot remove ${everyFinding.path}, an earlier report's: ${reasonOf(error)}`);
        }
      return E.right(
        everyFinding.written
          ? `wrote the HTML report to ${args.html}, and every finding to ${everyFinding.path}`
          : `wrote the HTML report to ${args.html}`,
      );
    },
  });
}
