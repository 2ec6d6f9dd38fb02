import * as E from 'fp-ts/lib/Either.js';
import { createHash } from 'node:crypto';
import { decodeEvent } from '../events/decode.js';
import type { CompiledRules } from '../policies/ruleSet.js';
import { Auditor, type LogAuditReport, type LogFinding, type FindingSink } from './auditor.js';
import { NdjsonSplitter } from './ndjson.js';
import { observedSink, type RecordObserver } from './observer.js';
import { lineRouter, reports, shardOf, type LineRoute } from './shards.js';
import { passLinkEntry, type LinkSink } from '../seal/verify.js';

export type ShardOfLog = { readonly shard: number; readonly shards: number; readonly rules: CompiledRules };

/**
 * What one shard found. `misrouted` is the first line whose event belongs to this shard's partners
 * though its bytes named another shard's, or the other way round: the shard that owns the event
 * passed the line over, so the shards' reports together would miss it, and the log must be audited
 * whole instead.
 */
export type ShardOutcome =
  | {
      readonly kind: 'done';
      /** The shard's counts, and its findings unless they went to `found`. */
      readonly report: LogAuditReport;
      /**
       * What it read, and a digest of the bytes: every shard of one file reads the same, unless the
       * file changed meanwhile (even in place, at the same size).
       */
      readonly read: { readonly lines: number; readonly bytes: number; readonly digest: string };
      /** What the shard's observer gathered, when it had one. */
      readonly observed?: unknown;
    }
  | { readonly kind: 'misrouted'; readonly position: number };

export type ShardHooks = {
  /**
   * After each chunk: the lines and bytes read so far (every finding of those lines has been given to
   * `found`). Reading waits for what it returns.
   */
  readonly afterChunk?: (lines: number, bytes: number) => void | Promise<void>;
  /** Where the shard's findings go as they are found, in log order; without it, they are kept. */
  readonly found?: FindingSink;
  /**
   * With it, the links of the records the shard reads are checked (each record is this shard's: the
   * one that judges its event, or reports it malformed), and their entries go here, in log order.
   */
  readonly linked?: LinkSink;
  /** Shown each record the shard judges, before it is judged, and each of its findings. */
  readonly observer?: RecordObserver;
};

/**
 * Audits one shard of an NDJSON log: every shard reads all the bytes, but parses only the lines that
 * name one of its partners (and those that name none it can tell, which every shard parses and only
 * the owner of the event judges). Lines that hold no event are reported by the shard they name, or by
 * shard 0. Together, the shards' reports are the report of the whole log.
 */
export async function auditShard(
  chunks: AsyncIterable<Uint8Array>,
  { shard, shards, rules }: ShardOfLog,
  { afterChunk, found, linked, observer }: ShardHooks = {},
): Promise<ShardOutcome> {
  // An observer needs a sink to see the findings; then those not sent to `found` are kept here.
  const kept: LogFinding[] = [];
  const auditor = new Auditor(
    rules,
    observer === undefined ? found : observedSink(observer, found ?? ((finding) => kept.push(finding))),
  );
  let misrouted: number | undefined;
  const splitter = new NdjsonSplitter<LineRoute>(
    {
      value: (position, value, route, line) => {
        const decoded = decodeEvent(value);
        if (E.isLeft(decoded)) {
          if (!reports(route, shard)) return;
          if (linked !== undefined) passLinkEntry(linked, position, value, line);
          observer?.malformed(position, value);
          auditor.malformed(position, value, decoded.left);
          return;
        }
        const event = decoded.right;
        if (shardOf(event.data.partnerId, shards) === shard) {
          if (linked !== undefined) passLinkEntry(linked, position, value, line);
          observer?.event(position, event, value, auditor.stateOf(event.data.partnerId));
          auditor.event(position, event);
        } else if (route === 'named') misrouted ??= position;
      },
      problem: (position, problem, route) => {
        if (!reports(route, shard)) return;
        linked?.entry({ kind: 'unreadable', position });
        observer?.unreadable(position, problem);
        auditor.unreadable(position, problem);
      },
    },
    lineRouter(shard, shards),
  );
  let bytes = 0;
  // SHA-256 as the digest, though nothing here is adversarial: with the CPU's SHA instructions it runs
  // faster than a hash written in JavaScript, and it takes the bytes however they are cut into chunks.
  const digest = createHash('sha256');
  for await (const chunk of chunks) {
    digest.update(chunk);
    splitter.push(chunk);
    bytes += chunk.length;
    if (misrouted !== undefined) return { kind: 'misrouted', position: misrouted };
    await afterChunk?.(splitter.lines, bytes);
  }
  splitter.end();
  if (misrouted !== undefined) return { kind: 'misrouted', position: misrouted };
  const report = auditor.report();
  return {
    kind: 'done',
    report: kept.length === 0 ? report : { ...report, findings: kept },
    read: { lines: splitter.lines, bytes, digest: digest.digest('base64') },
    ...(observer === undefined ? {} : { observed: observer.result(auditor.partnerStates) }),
  };
}
