import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeEvent, type AuditReport } from 'apss-domain';
import { apss } from './run.js';

const example = 'examples/apss-log.ndjson';
const findings = async (...flags: string[]) =>
  (JSON.parse((await apss(['audit', example, '--json', ...flags])).stdout) as AuditReport).findings.map(
    (f) => [f.position, f.partnerId, f.code],
  );

describe('the example log', () => {
  const records = readFileSync(example, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type?: string; metadata?: { at?: string; schemaVersion?: number } });

  it('is a few partners over 2018-2021 with every kind of event, old schema versions among them', () => {
    const decoded = records.map((r) => decodeEvent(r)).filter((r) => r._tag === 'Right');
    expect(new Set(decoded.map((r) => r.right.data.partnerId))).toEqual(
      new Set(['contoso', 'fabrikam', 'northwind', 'tailspin']),
    );
    expect(new Set(decoded.map((r) => r.right.type)).size).toBe(8);
    expect(new Set(decoded.map((r) => r.right.metadata.at.slice(0, 4)))).toEqual(
      new Set(['2018', '2019', '2020', '2021']),
    );
    expect(
      records.some((r) => r.metadata?.schemaVersion === 1 && r.type === 'MarketplaceOfferDeployed'),
    ).toBe(true);
  });

  const breaches = [
    [13, 'contoso', 'MARKETPLACE_CUTOFF'],
    [15, 'northwind', 'OUT_OF_ORDER'],
    [18, 'fabrikam', 'SHARED_TENANT_EXCLUSIVE'],
    [28, 'northwind', 'ROLE_NOT_PERMITTED'],
    [34, 'tailspin', 'MALFORMED_EVENT'],
  ] as const;

  it('given the default rules, then its breaches are found: a BYOL Marketplace deployment after the cutoff (written with an offset), a backdated deployment, Office 365 on the shared tenant, a helpdesk agent cancelling, a malformed line', async () => {
    expect(await findings()).toEqual(breaches);
  });

  it("given the 2023 rules, then the global admins' events are breaches too", async () => {
    const globalAdmins = [
      [1, 'contoso', 'ROLE_NOT_PERMITTED'],
      [2, 'contoso', 'ROLE_NOT_PERMITTED'],
      [30, 'tailspin', 'ROLE_NOT_PERMITTED'],
      [31, 'tailspin', 'ROLE_NOT_PERMITTED'],
    ] as const;
    expect(await findings('--rules', '2023')).toEqual(
      [...breaches, ...globalAdmins].sort(([a], [b]) => a - b),
    );
  });

  it('given npm start, then it audits the example, prints the report and exits 0: the findings are the demo, not a failure', async () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    const [node, main, ...argv] = (scripts.start ?? '').split(' ');
    expect([node, main]).toEqual(['node', 'dist/cli/main.js']);
    const run = await apss(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('36 records (35 well-formed events) from 4 partners: 5 findings');
    expect(run.stdout).toContain('MARKETPLACE_CUTOFF');
    expect((await apss(['audit', example])).code).toBe(1);
  });

  it('given apss replay, then it folds the example into a view, noting the record it skipped', async () => {
    const run = await apss(['replay', example]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('contoso-sub-2');
    expect(run.stderr).toBe(
      `apss replay: skipped 1 of 36 records that are not well-formed events (apss audit ${example} lists them)\n`,
    );
    expect(await apss(['replay', 'examples/missing.ndjson'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'apss replay: cannot read examples/missing.ndjson: no such file\n',
    });
  });
});
