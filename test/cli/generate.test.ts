import { describe, expect, it } from 'vitest';
import { audit, decodeEvent, type AuditReport } from 'apss-domain';
import { injectedCodes } from '../../src/cli/generate/violations.js';
import { apss } from './run.js';

const generate = async (partners: number, events: number, violations = 0, seed?: string) => {
  const run = await apss([
    'generate',
    '--partners',
    String(partners),
    '--events',
    String(events),
    '--violations',
    String(violations),
    ...(seed === undefined ? [] : ['--seed', seed]),
  ]);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe('');
  return run.stdout;
};
const auditOf = async (log: string): Promise<AuditReport> =>
  audit(
    log
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown),
  );

describe('apss generate', () => {
  it('given a seed, then the same seed gives the same bytes and another seed other bytes', async () => {
    const first = await generate(4, 300, 5, 'audit-2021');
    expect(await generate(4, 300, 5, 'audit-2021')).toBe(first);
    expect(await generate(4, 300, 5, 'audit-2022')).not.toBe(first);
  });

  it('given no seed, then a fixed default seed: runs agree', async () => {
    expect(await generate(2, 50)).toBe(await generate(2, 50));
  });

  it('given N partners and M events without violations, then M lines of well-formed events of N partners that keep every rule', async () => {
    const log = await generate(7, 1500);
    const lines = log.trimEnd().split('\n');
    expect(log.endsWith('\n')).toBe(true);
    expect(lines).toHaveLength(1500);
    for (const line of lines) expect(decodeEvent(JSON.parse(line)).valueOf()).toHaveProperty('_tag', 'Right');
    expect(await auditOf(log)).toEqual({ records: 1500, events: 1500, partners: 7, findings: [] });
  });

  it('given K violations, then the audit finds exactly K findings, one on each injected line, of different rules in turn', async () => {
    const report = await auditOf(await generate(6, 2000, 13, 'k'));
    expect(report).toMatchObject({ records: 2000, events: 2000, partners: 6 });
    expect(report.findings).toHaveLength(13);
    expect(new Set(report.findings.map((f) => f.position)).size).toBe(13);
    expect(new Set(report.findings.map((f) => f.code)).size).toBeGreaterThanOrEqual(10);
  });

  it('given enough room, then every rule a log can break is injected: R2 to R12, each of their codes', async () => {
    const report = await auditOf(await generate(30, 20_000, 3 * injectedCodes.length, 'coverage'));
    expect(report.findings).toHaveLength(3 * injectedCodes.length);
    expect(new Set(report.findings.map((f) => f.code))).toEqual(new Set(injectedCodes));
  });

  it('given the fewest events the options allow, then the log still has every partner and every violation', async () => {
    const report = await auditOf(await generate(5, 13, 3, 'tight'));
    expect(report).toMatchObject({ records: 13, events: 13, partners: 5 });
    expect(report.findings).toHaveLength(3);
  });

  it('given a log of both the old and the current schema versions, then the old ones are from before the cutoff', async () => {
    const lines = (await generate(3, 400))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; metadata: { at: string; schemaVersion: number } });
    const old = lines.filter(
      (e) =>
        e.metadata.schemaVersion === 1 &&
        (e.type === 'MarketplaceOfferDeployed' || e.type === 'ApssSubscriptionPurchased'),
    );
    expect(old.length).toBeGreaterThan(0);
    for (const e of old) expect(e.metadata.at < '2019-03-01').toBe(true);
  });

  it('given stderr is a terminal, then progress goes there and stdout is only the log', async () => {
    const run = await apss(['generate', '--partners', '2', '--events', '20000'], { tty: true });
    expect(run.stderr).toMatch(/generating: [\d,]+ lines of 20,000/);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(20_000);
  });
});
