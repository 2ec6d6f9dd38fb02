import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { handleCommand, partnerStreamId } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';

// A real restart of the local PostgreSQL cluster ends every connection on the server, so this file
// runs only when asked (APSS_PG_RESTART=1), alone: .ci/run runs it after the other suites.
const asked = process.env.APSS_PG_RESTART === '1';

const admin = { id: 'admin@restart', role: 'AdminAgent' } as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function restartCluster(): Promise<void> {
  const [version] = readdirSync('/etc/postgresql').sort().reverse();
  if (version === undefined) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  await promisify(execFile)('pg_ctlcluster', [
    '--skip-systemctl-redirect',
    version,
    'main',
    'restart',
    '-m',
    'fast',
  ]);
}

describe.runIf(asked)('PostgresEventStore across a restart of the server', () => {
  const schema = `apss_test_restart_${randomBytes(4).toString('hex')}`;
  const store = new PostgresEventStore({ schema, max: 4, connectionTimeoutMillis: 2_000 });
  afterAll(async () => {
    await store.close();
    const client = new pg.Client();
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('given appends running while the server restarts, then the process lives, each append is stored whole or not at all, and afterwards the store goes on', async () => {
    const uncaught: unknown[] = [];
    const monitor = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtExceptionMonitor', monitor);
    const partnerId = 'restart-partner';
    const command = (type: string, data: object, second: number) => ({
      type,
      data: { partnerId, ...data },
      metadata: { actor: admin, at: new Date(Date.UTC(2021, 0, 1, 0, 0, second)).toISOString() },
    });
    const created = await handleCommand(
      store,
      command('CreateSharedTenant', { tenantId: 't', subscriptionId: 'sub-0' }, 0),
    );
    expect(E.isRight(created)).toBe(true);

    const stored: string[] = [];
    let failures = 0;
    let restarted = false;
    const restart = sleep(300)
      .then(restartCluster)
      .then(() => (restarted = true));
    for (let i = 1; !restarted || i < 40; i++) {
      const subscriptionId = `sub-${i}`;
      try {
        const done = await handleCommand(
          store,
          command('PurchaseApss', { tenantId: 't', subscriptionId }, i),
        );
        if (E.isRight(done)) stored.push(subscriptionId);
      } catch {
        failures += 1;
        await sleep(50);
      }
      if (i > 2_000) break;
    }
    await restart;
    const after = await handleCommand(
      store,
      command('PurchaseApss', { tenantId: 't', subscriptionId: 'sub-after' }, 3_000),
    );
    process.off('uncaughtExceptionMonitor', monitor);

    expect(uncaught).toEqual([]);
    expect(failures).toBeGreaterThan(0);
    expect(E.isRight(after)).toBe(true);
    const events = [];
    for await (const event of store.readStream(partnerStreamId(partnerId))) events.push(event);
    expect(events.map((e) => e.streamPosition)).toEqual(events.map((_, i) => i + 1));
    const purchased = events.flatMap(({ event }) =>
      event.type === 'ApssSubscriptionPurchased' ? [event.data.subscriptionId] : [],
    );
    // Every acknowledged append is there once; one that failed may have committed before its
    // connection died, but never twice and never in part.
    expect(new Set(purchased).size).toBe(purchased.length);
    for (const id of [...stored, 'sub-after']) expect(purchased).toContain(id);
  });
});
