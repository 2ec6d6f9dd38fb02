import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { postgresConnectionString } from '../../src/cli/source.js';
import { apss } from '../cli/run.js';
import { scramServer } from './wire.js';

// `apss audit --postgres` against servers that refuse it, played by fakes on 127.0.0.1: no real server
// is needed, and this machine's PostgreSQL configuration stays as it is.

async function eventually(probe: () => boolean, what: string, ms = 2_000): Promise<void> {
  for (const start = Date.now(); !probe(); await new Promise((resolve) => setTimeout(resolve, 20)))
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
}

describe('apss audit --postgres when the server refuses the connection', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(() => {
    // Nothing may answer the server's password request: not the environment, not a ~/.pgpass.
    vi.stubEnv('PGPASSWORD', undefined);
    vi.stubEnv('PGPASSFILE', '/nonexistent/apss-test-pgpass');
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    process.off('warning', onWarning);
  });

  it('given a SCRAM server and no password, one line on stderr, status 2, and no socket left open to keep the process alive', async () => {
    const server = await scramServer();
    const run = await apss(['audit', '--postgres', `postgres://auditor@127.0.0.1:${server.port}/apss`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'apss audit: cannot read from PostgreSQL: SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string\n',
    );
    expect(server.accepted()).toBe(1);
    // The fake, like a real server before its authentication_timeout, closes only when the client does.
    await eventually(() => server.open() === 0, 'the client to close its connection');
  });

  it('given sslmode=require and a server without SSL, the one line of the error and no warning of pg', async () => {
    const server = await scramServer();
    const run = await apss([
      'audit',
      '--postgres',
      `postgres://auditor@127.0.0.1:${server.port}/apss?sslmode=require`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'apss audit: cannot read from PostgreSQL: The server does not support SSL connections\n',
    );
    expect(warnings.map((w) => w.message)).toEqual([]);
    await eventually(() => server.open() === 0, 'the client to close its connection');
  });
});

describe('the connection string apss gives pg', () => {
  it.each(['prefer', 'require', 'verify-ca'])(
    'sslmode=%s is named verify-full, the meaning pg gives it anyway, so that pg does not warn',
    (mode) => {
      expect(postgresConnectionString(`postgres://u@h/db?sslmode=${mode}&application_name=a`)).toBe(
        'postgres://u@h/db?sslmode=verify-full&application_name=a',
      );
      expect(postgresConnectionString(`postgres://u@h/db?connect_timeout=5&sslmode=${mode}`)).toBe(
        'postgres://u@h/db?connect_timeout=5&sslmode=verify-full',
      );
    },
  );

  it.each([
    'postgres://u@h/db',
    'postgres://u@h/db?sslmode=disable',
    'postgres://u@h/db?sslmode=verify-full',
    'postgres://u@h/db?sslmode=require&uselibpqcompat=true',
    'postgres://u@h/db?sslmode=requirement',
  ])('%s goes to pg as it is', (given) => {
    expect(postgresConnectionString(given)).toBe(given);
  });
});

describe('new PostgresEventStore()', () => {
  it('given no options at all, builds a store that connects as pg does (PGHOST, PGUSER, ...) without throwing or connecting', async () => {
    const { PostgresEventStore } = await import('apss-domain/postgres');
    const store = new PostgresEventStore();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
