import * as E from 'fp-ts/lib/Either.js';
import { isRecord } from '../lib/codec.js';
import { applyEvent } from '../state/evolve.js';
import { Id } from '../lib/ids.js';
import type { RejectionCode } from '../policies/rejection.js';
import { emptyState, type MutablePartnerState, type PartnerState } from '../state/state.js';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent, isEventType, type DecodeFailure } from '../events/decode.js';
import { allViolations } from '../policies/admissibility.js';
import type { CompiledRules } from '../policies/ruleSet.js';
import type { ChainFinding, ChainReport } from '../seal/verify.js';

/** One breach of the rules, or a record that is not an event: where (the record's 1-based position), whose, which rule, and why. */
export type Finding = {
  readonly position: number;
  readonly code: RejectionCode | 'MALFORMED_EVENT';
  readonly partnerId?: string;
  readonly eventType?: string;
  readonly message: string;
};

/** A finding of an audit of a log: of a sealed log verified, a break in its chain too (see ChainFinding). */
export type LogFinding = Omit<Finding, 'code'> & { readonly code: Finding['code'] | ChainFinding['code'] };

/** What `audit` reports when it does not verify a chain: findings of the rules alone. */
export type AuditReport = {
  readonly records: number;
  /** Records that were well-formed events. */
  readonly events: number;
  readonly partners: number;
  readonly findings: readonly Finding[];
};

/** What an audit of a log reports; verifying its chain, the chain's breaks among its findings. */
export type LogAuditReport = Omit<AuditReport, 'findings'> & {
  readonly findings: readonly LogFinding[];
  /** With `verify`: whether the log was sealed, and its head; a log that was not could not be verified. */
  readonly chain?: ChainReport;
};

/** What an audit read and how many findings it sent on, for an audit whose findings go to a sink. */
export type AuditSummary = Omit<LogAuditReport, 'findings'> & {
  /** How many findings were found (each was given to the sink, in log order). */
  readonly findings: number;
};

/** The partners' states an audit goes on from, each taken as its partner is first seen (see resume.ts). */
export type SavedStates = {
  /** The saved state of a partner not seen yet, a draft of the taker's own; undefined for one not saved. */
  take(partnerId: string): MutablePartnerState | undefined;
  /** How many saved partners have not been taken yet. */
  readonly untaken: number;
};

/** What an audit has done so far: its partners' states and its counts (findings counted). */
export type AuditProgress = {
  readonly saved: SavedStates;
  readonly records: number;
  readonly events: number;
  readonly findings: number;
};

/** Where an audit's findings go as they are found, in log order, instead of being kept. */
export type FindingSink = (finding: LogFinding) => void;

/** The finding that ends an audit whose source failed after `records` records, at the position it could not deliver. */
export const stopped = (position: number, records: number, reason: string): LogFinding => ({
  position,
  code: 'MALFORMED_EVENT',
  message: `the audit stopped after ${records} records: ${reason}`,
});

/** What a malformed record still says about itself, so that its finding can name the partner and event type. */
function claimsOf(record: unknown): Pick<LogFinding, 'partnerId' | 'eventType'> {
  let eventType: string | undefined;
  let partnerId: string | undefined;
  // Read as far as it can be: a getter of the record that throws claims nothing more, and the
  // record is still the finding it is.
  try {
    if (isRecord(record)) {
      if (isEventType(record.type)) eventType = record.type;
      const { data } = record;
      if (isRecord(data) && Id.is(data.partnerId)) partnerId = data.partnerId;
    }
  } catch {
    // What it claimed before the getter threw is kept.
  }
  return {
    ...(partnerId === undefined ? {} : { partnerId }),
    ...(eventType === undefined ? {} : { eventType }),
  };
}

/**
 * Replays a log record by record: each well-formed event is judged by every rule against its partner's
 * state just before it, then applied whatever the judgement (it did happen). One plain mutable state
 * per partner; nothing is kept of an event beyond what the rules remember.
 */
export class Auditor {
  private readonly states = new Map<string, MutablePartnerState>();
  private readonly findings: LogFinding[] = [];
  private saved: SavedStates | undefined;
  private found = 0;
  private records = 0;
  private events = 0;
  /** The partner stateOf last looked up, and its state then: the event that follows reuses the lookup. */
  private lookedUp: string | undefined;
  private lookedUpState: MutablePartnerState | undefined;

  /** Without a sink, the findings are kept for `report()`; with one, each goes there and none is kept. */
  constructor(
    private readonly rules: CompiledRules,
    private readonly sink?: FindingSink,
  ) {}

  private add(finding: LogFinding): void {
    this.found += 1;
    if (this.sink === undefined) this.findings.push(finding);
    else this.sink(finding);
  }

  /** A record read from the log, at its position. */
  record(position: number, record: unknown): void {
    const decoded = decodeEvent(record);
    if (E.isLeft(decoded)) this.malformed(position, record, decoded.left);
    else this.event(position, decoded.right);
  }

  /** A record that is not a well-formed event: a finding, and nothing is applied. */
  malformed(position: number, record: unknown, failure: DecodeFailure): void {
    this.records += 1;
    this.add({ position, code: 'MALFORMED_EVENT', ...claimsOf(record), message: failure.message });
  }

  /** A well-formed event: judged against its partner's state just before it, then applied. */
  event(position: number, event: DomainEvent): void {
    this.records += 1;
    this.events += 1;
    const { partnerId } = event.data;
    let state = partnerId === this.lookedUp ? this.lookedUpState : this.states.get(partnerId);
    this.lookedUp = undefined;
    if (state === undefined) {
      state = this.saved?.take(partnerId) ?? emptyState();
      this.states.set(partnerId, state);
    }
    for (const violation of allViolations(state, event, this.rules))
      this.add({
        position,
        code: violation.code,
        partnerId,
        eventType: event.type,
        message: violation.message,
      });
    applyEvent(state, event);
  }

  /** A break of a sealed log's chain (or of a checkpoint), found while reading it. */
  chainBreak(finding: ChainFinding): void {
    this.add(finding);
  }

  /** A record that could not even be read (a line that is not JSON), at its position. */
  unreadable(position: number, problem: string): void {
    this.records += 1;
    this.add({ position, code: 'MALFORMED_EVENT', message: problem });
  }

  /**
   * Goes on from where an earlier audit of the same log stopped (see resume.ts): its partners' states,
   * each taken when its partner is first seen (a draft of this auditor's own from then on), and its
   * counts. Called before any record.
   */
  resumeFrom(saved: AuditProgress): void {
    this.saved = saved.saved;
    this.records = saved.records;
    this.events = saved.events;
    this.found = saved.findings;
  }

  /**
   * A partner's state so far, as `partnerStates.get` gives it, for a caller about to hand this
   * auditor the partner's next event: that event's lookup is then this one (an observer of every
   * record would otherwise look each partner up twice).
   */
  stateOf(partnerId: string): PartnerState | undefined {
    this.lookedUp = partnerId;
    this.lookedUpState = this.states.get(partnerId);
    return this.lookedUpState;
  }

  /** Each partner's state so far, as the rules see it (of a resumed audit: those seen in this run). */
  get partnerStates(): ReadonlyMap<string, PartnerState> {
    return this.states;
  }

  /** How many records have been read so far. */
  get recordCount(): number {
    return this.records;
  }

  private get partners(): number {
    return this.states.size + (this.saved?.untaken ?? 0);
  }

  /** The counts so far; `findings` counts those found, whether kept or given to the sink. */
  summary(): AuditSummary {
    return { records: this.records, events: this.events, partners: this.partners, findings: this.found };
  }

  /** The report with the findings kept (none when they went to a sink). */
  report(): LogAuditReport {
    return {
      records: this.records,
      events: this.events,
      partners: this.partners,
      findings: [...this.findings],
    };
  }
}
