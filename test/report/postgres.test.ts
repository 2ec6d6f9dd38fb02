import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent, type AuditReport } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { apss, scratch } from '../cli/run.js';
import { whenPostgres } from '../postgres/support.js';

// `apss audit --postgres --html`: the page of a store's audit, read again from the store, in a
// database of its own made for the test and dropped after it.

const settings = {
  host: process.env.PGHOST ?? 'localhost',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? userInfo().username,
  password: process.env.PGPASSWORD,
};
const database = `apss_report_${randomBytes(4).toString('hex')}`;
const connectionString = `postgres://${encodeURIComponent(settings.user)}${settings.password === undefined ? '' : `:${encodeURIComponent(settings.password)}`}@${settings.host}:${settings.port}/${database}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client();
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const dir = scratch();

await whenPostgres('HTML report of a PostgreSQL store', () => {
  describe('apss audit --postgres --html', () => {
    beforeAll(async () => {
      await admin(`CREATE DATABASE ${database}`);
      const store = new PostgresEventStore({ connectionString });
      for (const line of readFileSync('examples/apss-log.ndjson', 'utf8').trimEnd().split('\n')) {
        const event = decodeEvent(JSON.parse(line));
        if (event._tag === 'Right')
          await store.appendToStream(`partner-${event.right.data.partnerId}`, [event.right], {
            expectedVersion: 'any',
          });
      }
      await store.close();
    });
    afterAll(async () => {
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    });

    it("given a store holding the example's events, then the page shows the store's audit, each finding with its record read again from the store", async () => {
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
