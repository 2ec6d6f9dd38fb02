import type { AuditSummary } from '../audit/auditor.js';
import { compileRules, defaultRules, rules2023, type CompiledRules } from '../policies/ruleSet.js';
import type { InvoiceLine } from '../projections/invoice.js';
import type { PartnerOverview } from '../projections/overview.js';
import type { ReportData } from './data.js';
import { LogPass } from './pass.js';
import type { FindingsTally } from './tally.js';

export type RulesName = 'default' | '2023';

/** The compiled rule set of a name; the built-in sets always compile. */
export function rulesNamed(name: RulesName): CompiledRules {
  const compiled = compileRules(name === '2023' ? rules2023 : defaultRules);
  if (compiled._tag === 'Left') throw new Error(`the ${name} rules do not compile: ${compiled.left}`);
  return compiled.right;
}

/** A read of the audited log for the page: the records at the audit's positions, then the end. */
export type Reading = {
  readonly value: (position: number, record: unknown) => void;
  readonly problem: (position: number, problem: string) => void;
};

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

/**
 * Starts the read of an audited log for its page; `finish` gathers the page's data once every record
 * has been given. The views are projected on the way unless they are given; under the 2023 rules the
 * default rules judge the log too, to show the difference.
 */
export function readForReport(
  tally: FindingsTally,
  facts: ReportFacts,
  given?: Views,
): Reading & { readonly finish: () => ReportData } {
  const pass = new LogPass(tally, rulesNamed(facts.rules), {
    projectViews: given === undefined,
    compareWith: facts.rules === 'default' ? undefined : rulesNamed('default'),
  });
  return {
    value: (position, record) => pass.value(position, record),
    problem: (position, problem) => pass.problem(position, problem),
    finish: () => {
      const result = pass.result();
      const views = given ?? result.views;
      return {
        ...facts,
        byCode: tally.byCode,
        byPartner: tally.byPartner,
        findings: result.findings,
        timelines: result.timelines,
        invoice: views?.invoice ?? [],
        subscriptions: new Map(
          [...(views?.overview.values() ?? [])].map(({ partnerId, subscriptions }) => [
            partnerId,
            subscriptions.length,
          ]),
        ),
        comparison: result.comparison,
      };
    },
  };
}
