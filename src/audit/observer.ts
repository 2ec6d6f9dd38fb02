import type { DomainEvent } from '../events/codecs.js';
import type { PartnerState } from '../state/state.js';
import type { LogFinding, FindingSink } from './auditor.js';

/**
 * Watches the records an audit judges, in the audit's own pass and thread, for what its findings
 * alone do not say (the HTML report's timelines, views and records). Each record is given before it
 * is judged, so each finding that follows is of the record last given. In threads, each shard has
 * its own observer, which sees only the records that shard judges.
 */
export type RecordObserver = {
  /**
   * A well-formed event, the record it was decoded from, and its partner's state just before it is
   * judged and applied (none when the audit holds none yet). The state is the audit's own, which it
   * then changes in place: read again at the next record, it shows what the event changed.
   */
  readonly event: (
    position: number,
    event: DomainEvent,
    record: unknown,
    before: PartnerState | undefined,
  ) => void;
  /** A record that is not a well-formed event. */
  readonly malformed: (position: number, record: unknown) => void;
  /** A line that holds no JSON value, and why. */
  readonly unreadable: (position: number, problem: string) => void;
  /** A finding of the audit as it is found (chain breaks included, when verifying in this thread). */
  readonly finding: (finding: LogFinding) => void;
  /**
   * What it gathered, once every record has been given, with the partners' states the audit ended
   * with. Structured-cloneable: a thread's result is posted to the main thread.
   */
  readonly result: (states: ReadonlyMap<string, PartnerState>) => unknown;
};

/**
 * How an observer is made in whichever thread judges the records: a module (its URL) exporting
 * `makeObserver` (see ObserverModule), and what to make it with (structured-cloneable). The audit
 * engine knows nothing of what observes it: the module is of a layer above.
 */
export type ObserverPlan<Config = unknown> = { readonly module: string; readonly config: Config };

/** What the module of an ObserverPlan exports. */
export type ObserverModule<Config = unknown> = {
  readonly makeObserver: (config: Config) => RecordObserver;
};

/** The observer of a plan, made in this thread. */
export async function observerOf<Config>({ module, config }: ObserverPlan<Config>): Promise<RecordObserver> {
  // The plan names the module that takes its config: see the module's own plan maker.
  const { makeObserver } = (await import(module)) as ObserverModule<Config>;
  return makeObserver(config);
}

/** A sink that shows each finding to the observer before it goes on to `sink`. */
export const observedSink =
  (observer: RecordObserver, sink: FindingSink): FindingSink =>
  (finding) => {
    observer.finding(finding);
    sink(finding);
  };
