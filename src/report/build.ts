import type { AuditSummary } from '../audit/auditor.js';
import { mergeSorted } from '../lib/arrays.js';
import { invoiceOrder, type InvoiceLine } from '../projections/invoice.js';
import type { PartnerOverview } from '../projections/overview.js';
import {
  MARKS_PER_TIMELINE,
  TIMELINE_PARTNERS,
  type ReportData,
  type ShownFinding,
  type Timeline,
} from './data.js';
import { invoiceLinesOf, monthName, type Mark, type Observation, type Seen } from './observer.js';
import type { RulesName } from './rules.js';
import { keyOf, type FindingsTally } from './tally.js';

export type Views = {
  readonly overview: ReadonlyMap<string, PartnerOverview>;
  readonly invoice: readonly InvoiceLine[];
};

/** What the page says of the audit beyond its findings: the log, the rules, when. */
export type ReportFacts = {
  readonly log: { readonly name: string; readonly bytes?: number | undefined };
  readonly rules: RulesName;
  readonly madeAt: string;
  readonly summary: AuditSummary;
  readonly findingsFile?: string | undefined;
};

const byPosition = (a: { readonly position: number }, b: { readonly position: number }): number =>
  a.position - b.position;

/** A partner's timeline from what the observers saw of it (a partner is one thread's, but need not be). */
function timelineOf(partnerId: string, findings: number, observations: readonly Observation[]): Timeline {
  const months = new Map<string, number>();
  const marks: Mark[] = [];
  for (const observation of observations) {
    const counted = observation.months.get(partnerId) ?? [];
    for (let i = 0; i < counted.length; i += 2) {
      const month = monthName(counted[i] as number);
      months.set(month, (months.get(month) ?? 0) + (counted[i + 1] as number));
    }
    marks.push(...(observation.marks.get(partnerId) ?? []));
  }
  return {
    partnerId,
    findings,
    months: [...months].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, events]) => ({ month, events })),
    marks: marks.sort(byPosition).slice(0, MARKS_PER_TIMELINE),
  };
}

/** The default rules' counts of each code, in the order the log first gave each. */
function defaultCounts(
  compared: readonly NonNullable<Observation['compared']>[],
): ReadonlyMap<string, number> {
  const merged = new Map<string, { count: number; first: number }>();
  for (const { counts } of compared)
    for (const [code, { count, first }] of counts) {
      const known = merged.get(code);
      merged.set(code, { count: (known?.count ?? 0) + count, first: Math.min(known?.first ?? first, first) });
    }
  return new Map(
    [...merged].sort(([, a], [, b]) => a.first - b.first).map(([code, { count }]) => [code, count]),
  );
}

/**
 * The page's data: the audit's tally of findings, and what the observers of its threads (one, or one
 * per shard of partners) saw of the records. The views are the ones given, else the observers'.
 */
export function reportData(
  tally: FindingsTally,
  facts: ReportFacts,
  observations: readonly Observation[],
  given?: Views,
): ReportData {
  const seen = new Map<number, Seen>();
  for (const observation of observations)
    for (const [position, record] of observation.seen) seen.set(position, record);
  const shown = <F extends ShownFinding>(finding: F): F => {
    const record = seen.get(finding.position);
    return record === undefined ? finding : { ...finding, ...record };
  };
  const compared = observations.flatMap(({ compared }) => (compared === undefined ? [] : [compared]));
  const comparing = facts.rules !== 'default';
  const alsoFound = new Set(compared.flatMap(({ alsoFound }) => [...alsoFound]));
  return {
    ...facts,
    byCode: tally.byCode,
    byPartner: tally.byPartner,
    findings: tally.first.map((finding) => ({
      ...shown(finding),
      ...(comparing ? { alsoUnderDefault: alsoFound.has(keyOf(finding)) } : {}),
    })),
    timelines: tally
      .mostAffected(TIMELINE_PARTNERS)
      .map((partnerId) => timelineOf(partnerId, tally.byPartner.get(partnerId) ?? 0, observations)),
    // Each thread's lines are in the invoice's order already.
    invoice:
      given?.invoice ??
      mergeSorted(
        observations.flatMap(({ views }) => (views === undefined ? [] : [invoiceLinesOf(views.invoice)])),
        invoiceOrder,
      ),
    subscriptions:
      given === undefined
        ? new Map(observations.flatMap(({ views }) => [...(views?.subscriptions ?? [])]))
        : new Map(
            [...given.overview.values()].map(({ partnerId, subscriptions }) => [
              partnerId,
              subscriptions.length,
            ]),
          ),
    comparison: comparing
      ? {
          defaultCounts: defaultCounts(compared),
          onlyUnderDefault: tally
            .listedBeside(compared.flatMap(({ first }) => first).sort(byPosition))
            .map(shown),
        }
      : undefined,
  };
}
