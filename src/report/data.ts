import type { AuditSummary, LogFinding } from '../audit/auditor.js';
import type { InvoiceLine } from '../projections/invoice.js';

/** The findings the page lists row by row; the rest are counted, and all are in the file beside it. */
export const INLINE_FINDINGS = 1000;
/** The partners with the most findings that get a timeline of their own. */
export const TIMELINE_PARTNERS = 12;
/** The findings marked on one partner's timeline (the first ones). */
export const MARKS_PER_TIMELINE = 500;
/** The rows of the consumption table and of the partners table (the first, in their order). */
export const TABLE_ROWS = 500;
/** What a record as read is cut to on the page. */
export const RECORD_CHARACTERS = 2000;

/** A finding as the page lists it: when its event happened and the record as it was read, when known. */
export type ShownFinding = LogFinding & {
  readonly at?: string;
  readonly record?: string;
  /** Under --rules 2023: whether the default rules find it too. */
  readonly alsoUnderDefault?: boolean;
};

/** One partner's timeline: its events per month, and its findings where they happened. */
export type Timeline = {
  readonly partnerId: string;
  readonly findings: number;
  readonly months: readonly { readonly month: string; readonly events: number }[];
  readonly marks: readonly { readonly at: string; readonly code: string; readonly position: number }[];
};

/** How the findings under 2023 differ from those under the default rules. */
export type Comparison = {
  /** The default rules' count of each code. */
  readonly defaultCounts: ReadonlyMap<string, number>;
  /** Findings the default rules find and the 2023 ones do not, up to the last finding listed. */
  readonly onlyUnderDefault: readonly ShownFinding[];
};

/** Everything the page shows, gathered from an audit and one more read of its log. */
export type ReportData = {
  readonly log: { readonly name: string; readonly bytes?: number | undefined };
  readonly rules: 'default' | '2023';
  readonly madeAt: string;
  readonly summary: AuditSummary;
  readonly byCode: ReadonlyMap<string, number>;
  readonly byPartner: ReadonlyMap<string, number>;
  readonly findings: readonly ShownFinding[];
  /** The file beside the page that holds every finding, when the page lists only the first. */
  readonly findingsFile?: string | undefined;
  readonly timelines: readonly Timeline[];
  readonly invoice: readonly InvoiceLine[];
  readonly subscriptions: ReadonlyMap<string, number>;
  readonly comparison?: Comparison | undefined;
};
