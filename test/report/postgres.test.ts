import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from 'apss-domain';
import { apss, scratch } from '../cli/run.js';
import { exampleDatabase, whenPostgres } from '../postgres/support.js';

// `apss audit --postgres --html`: the page of a store's audit, read again from the store, in a
// database of its own made for the test and dropped after it.

const dir = scratch();

await whenPostgres('HTML report of a PostgreSQL store', () => {
  describe('apss audit --postgres --html', () => {
    const { connectionString } = exampleDatabase('report');

    it("given a store holding the example's events, then the page shows the store's audit, each finding with its record as the audit read it from the store", async () => {
      const html = join(dir.dir, 'store.html');
      const run = await apss(['audit', '--postgres', connectionString, '--html', html, '--exit-zero']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe(`apss audit: wrote the HTML report to ${html}\n`);
      const json = JSON.parse(
        (await apss(['audit', '--postgres', connectionString, '--json'])).stdout,
      ) as AuditReport;
      const page = readFileSync(html, 'utf8');
      expect(page).toContain(`id="records" data-value="${json.records}"`);
      expect(page).toContain(`id="findings-count" data-value="${json.findings.length}"`);
      expect(page).toMatch(/<h1>Audit of the PostgreSQL event store [^<]*events[^<]*<\/h1>/);
      expect(page).not.toContain(connectionString);
      const positions = [
        ...page.matchAll(
          /<tr data-code="[A-Z_]+" data-partner="[^"]*"><td class="number" data-value="(\d+)">/g,
        ),
      ].map(([, position]) => Number(position));
      expect(positions).toEqual(json.findings.map(({ position }) => position));
      const cutoff = json.findings.find(({ code }) => code === 'MARKETPLACE_CUTOFF');
      expect(page).toContain('<td>2019-03-01T01:30:00.000Z</td>');
      expect(cutoff?.partnerId).toBe('contoso');
    });
  });
});
