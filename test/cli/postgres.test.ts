import { describe, expect, it } from 'vitest';
import type { AuditReport } from 'apss-domain';
import { exampleDatabase, whenPostgres } from '../postgres/support.js';
import { apss } from './run.js';

// `apss audit --postgres` against a real server, in a database of its own made for the test and dropped
// after it. It connects as pg does by default (PGHOST, PGPORT, PGUSER, PGPASSWORD); without a server
// it is skipped, unless APSS_REQUIRE_POSTGRES=1 (CI), where that is a failure.

await whenPostgres('CLI audit of a PostgreSQL store', () => {
  describe('apss audit --postgres', () => {
    const { connectionString } = exampleDatabase('cli');

    it("given a store holding the example's events, then they are audited in global order, positions counting records", async () => {
      const run = await apss(['audit', '--postgres', connectionString, '--json']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as AuditReport;
      // The malformed line never made it into the store: 35 records, the rest of the example's findings.
      expect(report).toMatchObject({ records: 35, events: 35, partners: 4 });
      expect(report.findings.map((f) => [f.position, f.code])).toEqual([
        [13, 'MARKETPLACE_CUTOFF'],
        [15, 'OUT_OF_ORDER'],
        [18, 'SHARED_TENANT_EXCLUSIVE'],
        [28, 'ROLE_NOT_PERMITTED'],
      ]);
    });

    it('given the human report, then its table counts records, not lines', async () => {
      const run = await apss(['audit', '--postgres', connectionString, '--rules', '2023']);
      expect(run.stdout).toContain('35 records (35 well-formed events) from 4 partners: 8 findings');
      expect(run.stdout).toMatch(/^ {2}record {2}partner/m);
    });
  });
});
