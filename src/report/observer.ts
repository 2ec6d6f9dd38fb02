// The HTML report's observer of an audit (see RecordObserver): loaded by its URL in each thread that
// judges records, so that the page's data is gathered in the audit's own pass.
import * as E from 'fp-ts/lib/Either.js';
import { Auditor, type LogFinding } from '../audit/auditor.js';
import type { ObserverModule, ObserverPlan, RecordObserver } from '../audit/observer.js';
import type { DomainEvent, EventOf } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { isRecord } from '../lib/codec.js';
import { preview } from '../lib/preview.js';
import { Instant } from '../lib/time.js';
import type { InvoiceLine } from '../projections/invoice.js';
import { RunningSum } from '../projections/runningSum.js';
import { plainOfScaled } from '../projections/scaled.js';
import { AZURE_LINE_ITEM } from '../projections/viewCodecs.js';
import type { PartnerState } from '../state/state.js';
import { rulesNamed } from './rules.js';
import { keyOf } from './tally.js';
import { INLINE_FINDINGS, MARKS_PER_TIMELINE, RECORD_CHARACTERS, type Timeline } from './data.js';

/** What the observer is to gather besides the timelines and the listed findings' records. */
export type ObserverConfig = {
  /** The invoice view and each partner's count of subscriptions (unless the views are given). */
  readonly views: boolean;
  /** Judge the records by the default rules too (the audit's are others), to show the difference. */
  readonly compare: boolean;
  /** Positions whose records are kept whatever is found there (findings given rather than found). */
  readonly positions?: readonly number[] | undefined;
};

/** What a record says of itself: when it happened and the record as read, for the findings at its position. */
export type Seen = { readonly at?: string; readonly record: string };

export type Mark = Timeline['marks'][number];

/**
 * What one observer gathered of the records it was shown. Each part is bounded: the records of the
 * first INLINE_FINDINGS findings (and of the first INLINE_FINDINGS of the default rules), the first
 * MARKS_PER_TIMELINE findings of each partner, and a count per partner and month.
 */
export type Observation = {
  /** The record at each position of the first findings, and at each position asked for. */
  readonly seen: ReadonlyMap<number, Seen>;
  /**
   * Each partner's well-formed events per month, as pairs of numbers: the month (YYYYMM, see
   * `monthName`), the events.
   */
  readonly months: ReadonlyMap<string, readonly number[]>;
  /** Each partner's first findings where they happened, in log order. */
  readonly marks: ReadonlyMap<string, readonly Mark[]>;
  /** Under other rules than the default: what the default rules found. */
  readonly compared?: {
    /** Each code's count, and the position it was first found at, in the order first found. */
    readonly counts: ReadonlyMap<string, { readonly count: number; readonly first: number }>;
    /** The first findings, in log order. */
    readonly first: readonly LogFinding[];
    /** Of the audit's first findings, the keys (`keyOf`) of those the default rules found too. */
    readonly alsoFound: ReadonlySet<string>;
  };
  readonly views?: {
    readonly invoice: InvoiceColumns;
    readonly subscriptions: ReadonlyMap<string, number>;
  };
};

/**
 * The invoice's lines as one thread posts them: column by column, which a thread posts and the main
 * thread receives at a fraction of the cost of an object per line. Each partner's lines follow in
 * order of month and currency; see `invoiceLinesOf`.
 */
export type InvoiceColumns = {
  /** Each partner with lines, in the invoice's order, and how many of the lines that follow are its. */
  readonly partners: readonly string[];
  readonly lineCounts: readonly number[];
  /** Each line's month (YYYYMM), currency and exact total. */
  readonly months: readonly number[];
  readonly currencies: readonly string[];
  readonly totals: readonly string[];
};

/** The invoice's lines of a thread's columns. */
export function invoiceLinesOf(columns: InvoiceColumns): InvoiceLine[] {
  const { partners, lineCounts, months, currencies, totals } = columns;
  const lines: InvoiceLine[] = [];
  // Lines of many partners share a month: its name is written once.
  const names = new Map<number, string>();
  const nameOf = (month: number): string => {
    let name = names.get(month);
    if (name === undefined) names.set(month, (name = monthName(month)));
    return name;
  };
  for (let p = 0, line = 0; p < partners.length; p++)
    for (const end = line + (lineCounts[p] as number); line < end; line++)
      lines.push({
        partnerId: partners[p] as string,
        month: nameOf(months[line] as number),
        lineItem: AZURE_LINE_ITEM,
        currency: currencies[line] as string,
        total: totals[line] as string,
      });
  return lines;
}

const DIGIT_0 = 48;
const digit = (text: string, at: number): number => text.charCodeAt(at) - DIGIT_0;

/**
 * The month of an instant or a day (`YYYY-MM-…`) as the number YYYYMM: counted for every event, it
 * is read from the digits rather than cut out as a string.
 */
const monthOf = (at: string): number =>
  ((digit(at, 0) * 10 + digit(at, 1)) * 10 + digit(at, 2)) * 1000 +
  digit(at, 3) * 100 +
  digit(at, 5) * 10 +
  digit(at, 6);

/** A month YYYYMM as the views write it, `YYYY-MM`. */
export const monthName = (month: number): string =>
  `${String(Math.floor(month / 100)).padStart(4, '0')}-${String(month % 100).padStart(2, '0')}`;

const cut = (text: string): string =>
  text.length > RECORD_CHARACTERS ? `${text.slice(0, RECORD_CHARACTERS)}…` : text;

/** The instant a record claims, when it claims a valid one (a malformed record may still). */
function claimedAt(record: unknown): string | undefined {
  const metadata = isRecord(record) ? record.metadata : undefined;
  const at = isRecord(metadata) ? metadata.at : undefined;
  return at !== undefined && Instant.is(at) ? (Instant.decode(at) as E.Right<string>).right : undefined;
}

/** What the page shows of a record: when it happened, and what it was read as (a line that is no JSON: why). */
const seenOf = (at: string | undefined, text: string): Seen => ({
  ...(at === undefined ? {} : { at }),
  record: cut(text),
});

/** A record as the page shows it: its JSON, or, for a value JSON cannot write (a BigInt, a cycle), its preview. */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return preview(value);
  }
}

/** What the page shows of a record read from a log: a JSON value, or why the line holds none. */
export const seenOfRead = (read: { readonly value: unknown } | { readonly problem: string }): Seen => {
  if ('problem' in read) return seenOf(undefined, read.problem);
  const decoded = decodeEvent(read.value);
  return seenOf(E.isRight(decoded) ? decoded.right.metadata.at : claimedAt(read.value), textOf(read.value));
};

/** Findings of a sealed log's chain are not of the record being judged (they come before it is shown). */
export const ofTheChain = ({ code }: Pick<LogFinding, 'code'>): boolean =>
  code === 'CHAIN_BROKEN' || code === 'CHECKPOINT_MISMATCH';

/** What the default rules found of the records, while other rules judge them. */
class Comparison {
  readonly counts = new Map<string, { count: number; first: number }>();
  readonly first: LogFinding[] = [];
  readonly alsoFound = new Set<string>();
  /** The codes the default rules found at the record being judged. */
  private readonly here = new Set<string>();
  readonly auditor: Auditor;

  constructor(remember: (position: number) => void) {
    this.auditor = new Auditor(rulesNamed('default'), (finding) => {
      this.here.add(finding.code);
      const counted = this.counts.get(finding.code);
      if (counted === undefined) this.counts.set(finding.code, { count: 1, first: finding.position });
      else counted.count += 1;
      if (this.first.length < INLINE_FINDINGS) {
        this.first.push(finding);
        remember(finding.position);
      }
    });
  }

  /** A new record: what was found at the last one is forgotten. */
  next(): void {
    this.here.clear();
  }

  /** One of the audit's first findings, of the record being judged. */
  listed(finding: LogFinding): void {
    if (this.here.has(finding.code)) this.alsoFound.add(keyOf(finding));
  }
}

/** A line of the invoice as one thread sums it: a partner's usage of one month in one currency. */
type UsageLine = {
  readonly currency: string;
  readonly sum: RunningSum;
  /** The line of the same month in another currency. */
  next: UsageLine | undefined;
};

/**
 * What one thread gathers of a partner's events: its events per month, and its invoice lines' sums.
 * A partner's events come mostly in order of time: the month being counted, and the line last added
 * to, are kept at hand, and the maps are looked up only when they change.
 */
class PartnerTally {
  /** Events per month (YYYYMM), but for the run of events of `month`. */
  private readonly months = new Map<number, number>();
  private month = -1;
  private events = 0;
  /** The invoice's lines by month of usage (YYYYMM), those of one month chained by currency. */
  readonly lines = new Map<number, UsageLine>();
  /** The line last added to, and its month of usage (YYYYMM). */
  private line: UsageLine | undefined;
  private lineMonth = -1;

  /** Counts an event of a month (YYYYMM). */
  count(month: number): void {
    if (month === this.month) this.events += 1;
    else {
      this.endRun();
      this.month = month;
      this.events = 1;
    }
  }

  private endRun(): void {
    if (this.events > 0) this.months.set(this.month, (this.months.get(this.month) ?? 0) + this.events);
    this.events = 0;
  }

  /** The events of each month, as pairs of numbers: month (YYYYMM), events. */
  eventsPerMonth(): number[] {
    this.endRun();
    return [...this.months].flat();
  }

  /** Adds a usage record that counts (its usage id is new to its partner) to its line's sum. */
  addUsage({ usageDate, currency, quantity, unitPrice }: EventOf<'UsageRecorded'>['data']): void {
    const month = monthOf(usageDate);
    let { line } = this;
    if (line === undefined || month !== this.lineMonth || line.currency !== currency) {
      const first = this.lines.get(month);
      line = first;
      while (line !== undefined && line.currency !== currency) line = line.next;
      if (line === undefined) {
        line = { currency, sum: new RunningSum(), next: first };
        this.lines.set(month, line);
      }
      this.line = line;
      this.lineMonth = month;
    }
    line.sum.add(quantity, unitPrice);
  }
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The invoice's lines of the tallies' sums, in the invoice's order, as the invoice view writes them. */
function invoiceOf(partners: ReadonlyMap<string, PartnerTally>): InvoiceColumns {
  const columns = { partners: [] as string[], lineCounts: [] as number[], months: [] as number[] };
  const currencies: string[] = [];
  const totals: string[] = [];
  for (const partnerId of [...partners.keys()].sort(byString)) {
    const lines = [...(partners.get(partnerId) as PartnerTally).lines].flatMap(([month, first]) => {
      const chained: { month: number; line: UsageLine }[] = [];
      for (let line: UsageLine | undefined = first; line !== undefined; line = line.next)
        chained.push({ month, line });
      return chained;
    });
    if (lines.length === 0) continue;
    lines.sort((a, b) => a.month - b.month || byString(a.line.currency, b.line.currency));
    columns.partners.push(partnerId);
    columns.lineCounts.push(lines.length);
    for (const { month, line } of lines) {
      columns.months.push(month);
      currencies.push(line.currency);
      totals.push(plainOfScaled(line.sum.scaled));
    }
  }
  return { ...columns, currencies, totals };
}

/**
 * Gathers, of the records an audit's thread judges, what the page needs beyond the findings: when
 * each of the first findings happened and its record as read, each partner's events per month and
 * first findings (the timelines: which partners have the most findings is known only at the end),
 * the invoice view and the partners' subscriptions, and under other rules, the default rules'
 * findings.
 */
class ReportObserver implements RecordObserver {
  private readonly seen = new Map<number, Seen>();
  private readonly partners = new Map<string, PartnerTally>();
  private readonly marks = new Map<string, Mark[]>();
  private readonly wanted: ReadonlySet<number>;
  /** Whether to sum the invoice; a usage record counts once, when its id is new to its partner's state. */
  private readonly views: boolean;
  private readonly compared: Comparison | undefined;
  private found = 0;
  /** The record being judged: its position, its instant, and what it was read as. */
  private position = 0;
  private at: string | undefined;
  private record: unknown;
  private problem: string | undefined;
  /**
   * The usage record last shown, when it may count in the invoice, and its partner's tally: it counts
   * if its id was new to its partner, which its state (applied to in place) says once the audit has
   * applied it: it then holds more usage ids than the `usageHeld` it held before.
   */
  private usage: EventOf<'UsageRecorded'> | undefined;
  private usageTally: PartnerTally | undefined;
  private usageState: PartnerState | undefined;
  private usageHeld = 0;

  constructor({ views, compare, positions = [] }: ObserverConfig) {
    this.wanted = new Set(positions);
    this.views = views;
    this.compared = compare ? new Comparison((position) => this.remember(position)) : undefined;
  }

  private remember(position: number): void {
    if (position !== this.position || this.seen.has(position)) return;
    this.seen.set(position, seenOf(this.at, this.problem ?? textOf(this.record)));
  }

  private reading(position: number, at: string | undefined, record: unknown, problem?: string): void {
    this.position = position;
    this.at = at;
    this.record = record;
    this.problem = problem;
    this.compared?.next();
    if (this.wanted.size > 0 && this.wanted.has(position)) this.remember(position);
  }

  /** Adds the usage record last shown to the invoice, if the audit found its id new. */
  private settle(): void {
    const { usage, usageState } = this;
    if (usage === undefined) return;
    this.usage = undefined;
    // Without a state before it, the record was its partner's first event: its id is new.
    if (usageState === undefined || usageState.usage.size > this.usageHeld)
      (this.usageTally as PartnerTally).addUsage(usage.data);
  }

  event(position: number, event: DomainEvent, record: unknown, before: PartnerState | undefined): void {
    this.settle();
    this.reading(position, event.metadata.at, record);
    const { partnerId } = event.data;
    let tally = this.partners.get(partnerId);
    if (tally === undefined) this.partners.set(partnerId, (tally = new PartnerTally()));
    tally.count(monthOf(event.metadata.at));
    if (this.views && event.type === 'UsageRecorded') {
      this.usage = event;
      this.usageTally = tally;
      this.usageState = before;
      this.usageHeld = before?.usage.size ?? 0;
    }
    this.compared?.auditor.event(position, event);
  }

  malformed(position: number, record: unknown): void {
    this.settle();
    this.reading(position, claimedAt(record), record);
    this.compared?.auditor.record(position, record);
  }

  unreadable(position: number, problem: string): void {
    this.settle();
    this.reading(position, undefined, undefined, problem);
    this.compared?.auditor.unreadable(position, problem);
  }

  finding(finding: LogFinding): void {
    if (ofTheChain(finding)) return;
    if (this.found < INLINE_FINDINGS) {
      this.remember(finding.position);
      this.compared?.listed(finding);
    }
    this.found += 1;
    const { partnerId } = finding;
    if (partnerId === undefined || this.at === undefined) return;
    let marks = this.marks.get(partnerId);
    if (marks === undefined) this.marks.set(partnerId, (marks = []));
    if (marks.length < MARKS_PER_TIMELINE)
      marks.push({ at: this.at, code: finding.code, position: finding.position });
  }

  result(states: ReadonlyMap<string, { readonly subscriptions: ReadonlyMap<string, unknown> }>): Observation {
    this.settle();
    const { compared } = this;
    return {
      seen: this.seen,
      months: new Map([...this.partners].map(([partnerId, tally]) => [partnerId, tally.eventsPerMonth()])),
      marks: this.marks,
      ...(compared === undefined
        ? {}
        : { compared: { counts: compared.counts, first: compared.first, alsoFound: compared.alsoFound } }),
      ...(this.views
        ? {
            views: {
              invoice: invoiceOf(this.partners),
              // The overview view counts a partner's subscriptions as its state does: each id once, from its purchase on.
              subscriptions: new Map(
                [...states].map(([partnerId, state]) => [partnerId, state.subscriptions.size]),
              ),
            },
          }
        : {}),
    };
  }
}

export const makeObserver: ObserverModule<ObserverConfig>['makeObserver'] = (config) =>
  new ReportObserver(config);

/** The plan of an audit observed for its page: this module, made in each thread with `config`. */
export const observerPlan = (config: ObserverConfig): ObserverPlan<ObserverConfig> => ({
  module: import.meta.url,
  config,
});
