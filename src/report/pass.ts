import * as E from 'fp-ts/lib/Either.js';
import { Auditor, type Finding } from '../audit/auditor.js';
import type { DomainEvent } from '../events/codecs.js';
import { decodeEvent } from '../events/decode.js';
import { isRecord } from '../lib/codec.js';
import { Instant } from '../lib/time.js';
import type { CompiledRules } from '../policies/ruleSet.js';
import { invoice, type InvoiceLine } from '../projections/invoice.js';
import { overview } from '../projections/overview.js';
import { projector, type Projector } from '../projections/projection.js';
import type { PartnerOverview } from '../projections/overview.js';
import {
  INLINE_FINDINGS,
  MARKS_PER_TIMELINE,
  RECORD_CHARACTERS,
  TIMELINE_PARTNERS,
  type Comparison,
  type ShownFinding,
  type Timeline,
} from './data.js';
import type { FindingsTally } from './tally.js';

/** What a record says of itself: when it happened and the record as read, for the findings at its position. */
type Seen = { readonly at?: string; readonly record: string };

const keyOf = ({ position, code }: Pick<Finding, 'position' | 'code'>): string => `${position} ${code}`;

const cut = (text: string): string =>
  text.length > RECORD_CHARACTERS ? `${text.slice(0, RECORD_CHARACTERS)}…` : text;

/** The instant a record claims, when it claims a valid one (a malformed record may still). */
function claimedAt(record: unknown): string | undefined {
  const metadata = isRecord(record) ? record.metadata : undefined;
  const at = isRecord(metadata) ? metadata.at : undefined;
  return at !== undefined && Instant.is(at) ? (Instant.decode(at) as E.Right<string>).right : undefined;
}

function claimedPartner(record: unknown): string | undefined {
  const data = isRecord(record) ? record.data : undefined;
  return isRecord(data) && typeof data.partnerId === 'string' ? data.partnerId : undefined;
}

/** The timeline of one partner while the log is read. */
type Trail = { months: Map<string, number>; marks: Timeline['marks'][number][]; findings: number };

export type PassResult = {
  readonly findings: readonly ShownFinding[];
  readonly timelines: readonly Timeline[];
  readonly comparison?: Comparison;
  readonly views?: {
    readonly overview: ReadonlyMap<string, PartnerOverview>;
    readonly invoice: readonly InvoiceLine[];
  };
};

/**
 * One more read of an audited log, record by record at the audit's positions, for what the findings
 * alone do not say: when each listed finding happened and its record as read; the timelines of the
 * partners with the most findings (their events, judged again by a second auditor that sees only
 * them, so that each finding is marked at its instant); the views, unless they are given; and under
 * other rules, the findings of the default rules, to show the difference.
 */
export class LogPass {
  private readonly wanted: ReadonlySet<number>;
  private readonly seen = new Map<number, Seen>();
  private readonly trails = new Map<string, Trail>();
  private readonly timelineAuditor: Auditor;
  private readonly views?: {
    overview: Projector<ReadonlyMap<string, PartnerOverview>>;
    invoice: Projector<readonly InvoiceLine[]>;
  };
  private readonly compared?: {
    auditor: Auditor;
    counts: Map<string, number>;
    kept: Finding[];
    keys: Set<string>;
  };
  private readonly lastListed: number;
  /** The record being read: its position, its instant, and its text as the page shows it. */
  private current: { position: number; at?: string | undefined; text: () => string } = {
    position: 0,
    text: () => '',
  };

  constructor(
    private readonly tally: FindingsTally,
    rules: CompiledRules,
    {
      projectViews,
      compareWith,
    }: { readonly projectViews: boolean; readonly compareWith?: CompiledRules | undefined },
  ) {
    this.wanted = new Set(tally.first.map(({ position }) => position));
    this.lastListed = tally.complete ? Infinity : (tally.first.at(-1)?.position ?? 0);
    for (const partnerId of tally.mostAffected(TIMELINE_PARTNERS))
      this.trails.set(partnerId, { months: new Map(), marks: [], findings: 0 });
    this.timelineAuditor = new Auditor(rules, (finding) => {
      const trail = finding.partnerId === undefined ? undefined : this.trails.get(finding.partnerId);
      if (trail === undefined) return;
      trail.findings += 1;
      const { at } = this.current;
      if (at !== undefined && trail.marks.length < MARKS_PER_TIMELINE)
        trail.marks.push({ at, code: finding.code, position: finding.position });
    });
    if (projectViews) this.views = { overview: projector(overview), invoice: projector(invoice) };
    if (compareWith !== undefined) {
      const counts = new Map<string, number>();
      const kept: Finding[] = [];
      const keys = new Set<string>();
      const auditor = new Auditor(compareWith, (finding) => {
        counts.set(finding.code, (counts.get(finding.code) ?? 0) + 1);
        if (finding.position > this.lastListed) return;
        keys.add(keyOf(finding));
        if (kept.length < INLINE_FINDINGS) {
          kept.push(finding);
          this.remember(finding.position);
        }
      });
      this.compared = { auditor, counts, kept, keys };
    }
  }

  private remember(position: number): void {
    if (this.seen.has(position) || position !== this.current.position) return;
    const { at, text } = this.current;
    this.seen.set(position, { ...(at === undefined ? {} : { at }), record: cut(text()) });
  }

  /** The parsed record at this position. */
  value(position: number, record: unknown): void {
    const decoded = decodeEvent(record);
    const event: DomainEvent | undefined = E.isRight(decoded) ? decoded.right : undefined;
    this.current = {
      position,
      at: event?.metadata.at ?? claimedAt(record),
      text: () => JSON.stringify(record) ?? String(record),
    };
    if (this.wanted.has(position)) this.remember(position);
    const partnerId = event?.data.partnerId ?? claimedPartner(record);
    const trail = partnerId === undefined ? undefined : this.trails.get(partnerId);
    if (event !== undefined) {
      this.views?.overview.push(event);
      this.views?.invoice.push(event);
      this.compared?.auditor.event(position, event);
      if (trail !== undefined) {
        const month = event.metadata.at.slice(0, 7);
        trail.months.set(month, (trail.months.get(month) ?? 0) + 1);
        this.timelineAuditor.event(position, event);
      }
    } else if (E.isLeft(decoded)) {
      this.compared?.auditor.malformed(position, record, decoded.left);
      if (trail !== undefined) this.timelineAuditor.malformed(position, record, decoded.left);
    }
  }

  /** A line at this position that holds no JSON value, and why. */
  problem(position: number, problem: string): void {
    this.current = { position, text: () => problem };
    if (this.wanted.has(position)) this.remember(position);
    this.compared?.auditor.unreadable(position, problem);
  }

  private shown(finding: Finding): ShownFinding {
    const seen = this.seen.get(finding.position);
    return {
      ...finding,
      ...(seen?.at === undefined ? {} : { at: seen.at }),
      ...(seen === undefined ? {} : { record: seen.record }),
    };
  }

  result(): PassResult {
    const { compared } = this;
    const listed = new Set(this.tally.first.map(keyOf));
    const findings = this.tally.first.map((finding) => ({
      ...this.shown(finding),
      ...(compared === undefined ? {} : { alsoUnderDefault: compared.keys.has(keyOf(finding)) }),
    }));
    const timelines = [...this.trails].map(([partnerId, trail]) => ({
      partnerId,
      findings: this.tally.byPartner.get(partnerId) ?? trail.findings,
      months: [...trail.months]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([month, events]) => ({ month, events })),
      marks: trail.marks,
    }));
    return {
      findings,
      timelines,
      ...(compared === undefined
        ? {}
        : {
            comparison: {
              defaultCounts: compared.counts,
              onlyUnderDefault: compared.kept.filter((f) => !listed.has(keyOf(f))).map((f) => this.shown(f)),
            },
          }),
      ...(this.views === undefined
        ? {}
        : { views: { overview: this.views.overview.view(), invoice: this.views.invoice.view() } }),
    };
  }
}
