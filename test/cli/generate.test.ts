import { describe, expect, it } from 'vitest';
import { audit, decodeEvent, type AuditReport } from 'apss-domain';
import * as E from 'fp-ts/lib/Either.js';
import { decide, defaultRules, type Command, type DomainEvent } from 'apss-domain';
import { applyEvent } from '../../src/state/evolve.js';
import { nextActivity } from '../../src/cli/generate/activity.js';
import {
  command,
  newPartner,
  nextId,
  sharedTenantOf,
  staffMember,
  track,
  type Partner,
} from '../../src/cli/generate/partner.js';
import { Random } from '../../src/cli/generate/random.js';
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
/** The events the rules accept for a command of the partner's (the generator issues only those). */
const decided = (partner: Partner, cmd: Command): readonly DomainEvent[] => {
  const decision = decide(cmd, partner.state, defaultRules);
  if (E.isLeft(decision)) throw new Error(decision.left.message);
  return decision.right;
};
const createTenantOf = (partner: Partner): Command =>
  command(
    'CreateSharedTenant',
    {
      partnerId: partner.id,
      tenantId: sharedTenantOf(partner),
      subscriptionId: nextId(partner, 'subscription'),
    },
    staffMember(partner, new Random('staff')),
    '2019-12-31T00:00:00.000Z',
  );

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

  it('given a log long enough for a partner to forget its past, then the audit still finds exactly the injected violations', async () => {
    const report = await auditOf(await generate(2, 12_000, 24, 'long'));
    expect(report).toMatchObject({ records: 12_000, partners: 2 });
    expect(report.findings).toHaveLength(24);
    expect(new Set(report.findings.map((f) => f.position)).size).toBe(24);
  });
});

describe('a generated partner keeps the same memory however many lines it has', () => {
  const random = new Random('flat');
  const live = (): Partner => {
    const partner = newPartner(0, 3, random);
    for (const event of decided(partner, createTenantOf(partner))) {
      applyEvent(partner.state, event);
      track(partner, event);
    }
    return partner;
  };

  it('given many lines of every kind, then its state holds no record ids, and only its 16 latest ended subscriptions', () => {
    const partner = live();
    let ended = 0;
    for (let line = 0; line < 5_000; line++) {
      const at = new Date(Date.parse('2020-01-01T00:00:00Z') + line * 60_000).toISOString();
      for (const event of decided(partner, nextActivity(partner, random, at, Date.parse(at)))) {
        applyEvent(partner.state, event);
        track(partner, event);
        if (event.type === 'SubscriptionCancelled' || event.type === 'SubscriptionMigratedToWebDirect')
          ended += 1;
      }
    }
    expect(ended).toBeGreaterThan(16);
    const { usage, reservations, deployments, services, subscriptions } = partner.state;
    expect([usage.size, reservations.size, deployments.size, services.size]).toEqual([0, 0, 0, 0]);
    expect(partner.ended).toHaveLength(16);
    expect(subscriptions.size).toBe(partner.active.length + 16);
    expect(partner.customerTenants.length).toBeLessThanOrEqual(16);
  });
});
