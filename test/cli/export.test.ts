import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEvent } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { sealedLine, type SealedRecord } from '../../src/seal/link.js';
import { collect } from '../builders.js';
import { isolatedSchema, whenPostgres } from '../postgres/support.js';
import { expectOneChain } from '../store/sealedContract.js';
import { apss, ndjson } from './run.js';

const env = process.env;
const connectionString = `postgres://${encodeURIComponent(env.PGUSER ?? userInfo().username)}${env.PGPASSWORD === undefined ? '' : `:${encodeURIComponent(env.PGPASSWORD)}`}@${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? '5432'}/${env.PGDATABASE ?? env.PGUSER ?? userInfo().username}`;

/** The example's well-formed events, decoded (upcast): what a store holds of it. */
const exampleEvents = readFileSync('examples/apss-log.ndjson', 'utf8')
  .trimEnd()
  .split('\n')
  .flatMap((line) => {
    const event = decodeEvent(JSON.parse(line));
    return event._tag === 'Right' ? [event.right] : [];
  });

await whenPostgres('apss export tests', () => {
  const schema = isolatedSchema('cli_export');
  const stores: PostgresEventStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  /** A store on its own table holding the example's events, in the order of the file. */
  const filled = async (table: string, seal: boolean): Promise<PostgresEventStore> => {
    const store = new PostgresEventStore({ pool: schema.admin(), schema: schema.name, table, seal });
    stores.push(store);
    for (const event of exampleEvents)
      await store.appendToStream(`partner-${event.data.partnerId}`, [event], { expectedVersion: 'any' });
    return store;
  };

  describe('apss export --postgres', () => {
    const exportTable = (table: string) =>
      apss(['export', '--postgres', connectionString, '--schema', schema.name, '--table', table]);

    it('given a sealed store, then each record is its sealed line, in global order, and the lines are the ones apss seal makes of the records it holds', async () => {
      const store = await filled('sealed', true);
      const run = await exportTable('sealed');
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toEqual((await collect(store.readSealed())).map(sealedLine));
      expectOneChain(lines.map((line) => JSON.parse(line) as SealedRecord));
      const sealed = await apss(['seal', '-'], { stdin: ndjson(exampleEvents) });
      expect(run.stdout).toBe(sealed.stdout);
    });

    it('given a store that is not sealed, then its records with their places, no chain fields, and a note on stderr', async () => {
      await filled('plain', false);
      const run = await exportTable('plain');
      expect(run.code).toBe(0);
      const records = run.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records).toHaveLength(exampleEvents.length);
      expect(Object.keys(records[0] ?? {})).toEqual([
        'data',
        'globalPosition',
        'metadata',
        'streamId',
        'streamPosition',
        'type',
      ]);
      expect(records[0]).toMatchObject({
        streamId: 'partner-contoso',
        streamPosition: 1,
        globalPosition: '1',
      });
      expect(run.stderr).toBe(
        `apss export: "${schema.name}"."plain" is not sealed: its ${exampleEvents.length} records carry no chain fields, and nothing can show they are the ones written\n`,
      );
    });

    it('given a table that does not exist (a wrong database, schema or table), then status 2 saying so, not an empty log', async () => {
      const run = await exportTable('never_written');
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr: `apss export: there is no event store table "${schema.name}"."never_written" in that database (name it with --schema and --table)\n`,
      });
    });

    it('given apss audit --postgres with --schema and --table, then that table is audited; given one that does not exist, then status 2 saying so, never a clean pass', async () => {
      await filled('audited', false);
      const audit = (table: string) =>
        apss(['audit', '--postgres', connectionString, '--schema', schema.name, '--table', table, '--json']);
      const run = await audit('audited');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ records: exampleEvents.length, partners: 4 });
      expect(await audit('never_written')).toEqual({
        code: 2,
        stdout: '',
        stderr: `apss audit: there is no event store table "${schema.name}"."never_written" in that database (name it with --schema and --table)\n`,
      });
    });

    it('given a table name that is not a SQL name, then status 2 naming it', async () => {
      const run = await apss(['export', '--postgres', connectionString, '--table', 'Bad Name']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^apss export: cannot read from PostgreSQL: .*options\.table must be a lower-case SQL name/,
      );
    });
  });
});

describe('apss export arguments', () => {
  it('given no --postgres, then status 2 and why', async () => {
    expect(await apss(['export'])).toMatchObject({
      code: 2,
      stderr: 'apss export: missing --postgres <connection string> (see apss export --help)\n',
    });
    expect(await apss(['export', 'log.ndjson', '--postgres', 'x'])).toMatchObject({ code: 2 });
  });
});
