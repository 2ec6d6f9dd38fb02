import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  invoice,
  overview,
  project,
  type DomainEvent,
  type LogFinding,
} from '../../src/index.js';
import { generateLog } from '../../src/cli/generate/log.js';
import { reportData, type ReportFacts } from '../../src/report/build.js';
import { MARKS_PER_TIMELINE, RECORD_CHARACTERS, TIMELINE_PARTNERS } from '../../src/report/data.js';
import { auditBytes } from '../../src/audit/audit.js';
import { readNdjson } from '../../src/audit/ndjson.js';
import { Instant } from '../../src/lib/time.js';
import type { Observation } from '../../src/report/observer.js';
import { rulesNamed, type RulesName } from '../../src/report/rules.js';
import { FindingsTally } from '../../src/report/tally.js';
import { needsBuiltCli, scratch } from '../cli/run.js';

// The page's data is gathered by an observer of the audit, in its own pass and threads (see
// docs/report.md). Here it is checked against the page's definition, computed from the log read
// whole: what a second read of the log gave before.

const files = scratch();

/** Lines that are not events: not JSON, not an event, and an event missing its fields but claiming a partner and instant. */
const odd = (partner: string): readonly string[] => [
  'not json',
  '{}',
  `{"type":"UsageRecorded","metadata":{"at":"2019-05-01T00:00:00Z"},"data":{"partnerId":"${partner}"}}`,
];

type Read = { readonly value?: unknown; readonly problem?: string };

/** The log's records at their positions, as the audit reads them. */
async function recordsOf(lines: readonly string[]): Promise<ReadonlyMap<number, Read>> {
  const records = new Map<number, Read>();
  await readNdjson([lines.join('\n')], {
    value: (position, value) => records.set(position, { value }),
    problem: (position, problem) => records.set(position, { problem }),
  });
  return records;
}

async function findingsOf(lines: readonly string[], rules: RulesName): Promise<readonly LogFinding[]> {
  const found: LogFinding[] = [];
  const text = lines.join('\n');
  await auditBytes(
    rulesNamed(rules),
    (async function* () {
      yield text;
    })(),
    (finding) => found.push(finding),
  );
  return found;
}

const eventOf = (value: unknown): DomainEvent | undefined => {
  const decoded = decodeEvent(value);
  return decoded._tag === 'Right' ? decoded.right : undefined;
};

/** When a record happened, as the page says: its event's instant, or the instant a malformed record claims. */
function atOf({ value }: Read): string | undefined {
  const event = eventOf(value);
  if (event !== undefined) return event.metadata.at;
  const at = (value as { metadata?: { at?: unknown } } | null | undefined)?.metadata?.at;
  const decoded = Instant.decode(at);
  return decoded._tag === 'Right' ? decoded.right : undefined;
}

const cut = (text: string): string =>
  text.length > RECORD_CHARACTERS ? `${text.slice(0, RECORD_CHARACTERS)}…` : text;

const key = ({ position, code }: LogFinding): string => `${position} ${code}`;

/** The page's data by its definition: from the log's records, and their audits under the rules and the default rules. */
async function expected(lines: readonly string[], rules: RulesName, facts: ReportFacts) {
  const records = await recordsOf(lines);
  const found = await findingsOf(lines, rules);
  const byDefault = await findingsOf(lines, 'default');
  const tally = new FindingsTally();
  found.forEach(tally.add);
  const recordAt = (position: number): Read => records.get(position) ?? {};
  const shown = (finding: LogFinding) => {
    const record = recordAt(finding.position);
    const at = atOf(record);
    return {
      ...finding,
      ...(at === undefined ? {} : { at }),
      record: cut(record.problem ?? JSON.stringify(record.value)),
    };
  };
  const events = [...records.values()].flatMap(({ value }) => eventOf(value) ?? []);
  const defaultCounts = new Map<string, number>();
  for (const { code } of byDefault) defaultCounts.set(code, (defaultCounts.get(code) ?? 0) + 1);
  return {
    ...facts,
    byCode: tally.byCode,
    byPartner: tally.byPartner,
    findings: tally.first.map((finding) => ({
      ...shown(finding),
      ...(rules === 'default' ? {} : { alsoUnderDefault: byDefault.some((f) => key(f) === key(finding)) }),
    })),
    timelines: tally.mostAffected(TIMELINE_PARTNERS).map((partnerId) => {
      const months = new Map<string, number>();
      for (const event of events)
        if (event.data.partnerId === partnerId) {
          const month = event.metadata.at.slice(0, 7);
          months.set(month, (months.get(month) ?? 0) + 1);
        }
      return {
        partnerId,
        findings: tally.byPartner.get(partnerId),
        months: [...months].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, n]) => ({ month, events: n })),
        marks: found
          .filter((finding) => finding.partnerId === partnerId)
          .flatMap(({ position, code }) => {
            const at = atOf(recordAt(position));
            return at === undefined ? [] : [{ at, code, position }];
          })
          .slice(0, MARKS_PER_TIMELINE),
      };
    }),
    invoice: project(invoice, events),
    subscriptions: new Map(
      [...project(overview, events).values()].map(({ partnerId, subscriptions }) => [
        partnerId,
        subscriptions.length,
      ]),
    ),
    comparison:
      rules === 'default'
        ? undefined
        : {
            defaultCounts,
            onlyUnderDefault: tally.listedBeside(byDefault).map(shown),
          },
  };
}

/** The built engine and observer: threads load built modules. */
async function observedAudit(file: string, rules: RulesName, jobs: number) {
  const [{ auditLog }, { observerPlan }] = await Promise.all([
    import(`../../${'dist/audit/auditLog.js'}`) as Promise<typeof import('../../src/audit/auditLog.js')>,
    import(`../../${'dist/report/observer.js'}`) as Promise<typeof import('../../src/report/observer.js')>,
  ]);
  const tally = new FindingsTally();
  const audited = await auditLog({ file }, tally.add, {
    rules: rulesNamed(rules),
    jobs,
    minBytesPerShard: 1,
    observe: observerPlan({ views: true, compare: rules !== 'default' }),
  });
  if (audited.kind !== 'audited') throw new Error('the log could not be read');
  expect(audited.observed).toHaveLength(Math.min(jobs, availableParallelism()));
  const facts: ReportFacts = {
    log: { name: file },
    rules,
    madeAt: '2026-01-01T00:00:00Z',
    summary: audited.summary,
  };
  return { facts, data: reportData(tally, facts, audited.observed as readonly Observation[]) };
}

describe("the page's data, gathered as the log is audited", () => {
  needsBuiltCli();

  it('given a generated log with lines that are not events, when it is audited in 1, 2 or 3 threads, then the listed findings, timelines, invoice, subscriptions and comparison are those of the log read whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.stringMatching(/^[a-z]{1,6}$/),
          partners: fc.integer({ min: 1, max: 30 }),
          violations: fc.integer({ min: 0, max: 1500 }),
          oddAt: fc.nat(),
          rules: fc.constantFrom<RulesName>('default', '2023'),
        }),
        async ({ seed, partners, violations, oddAt, rules }) => {
          const generated = [
            ...generateLog({ partners, events: 2 * partners + violations + 3000, violations, seed }),
          ];
          const at = oddAt % generated.length;
          const lines = [...generated.slice(0, at), ...odd('partner-001'), ...generated.slice(at)];
          const file = join(files.dir, `${seed}-${partners}-${violations}.ndjson`);
          writeFileSync(file, lines.join('\n'));
          for (const jobs of [1, 2, 3]) {
            const { facts, data } = await observedAudit(file, rules, jobs);
            expect(data).toEqual(await expected(lines, rules, facts));
          }
        },
      ),
      { numRuns: 6 },
    );
  }, 300_000);
});
