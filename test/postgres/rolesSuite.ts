import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyError } from 'apss-domain';
import { PostgresEventStore } from 'apss-domain/postgres';
import { collect, usageEvents } from '../builders.js';
import { isolatedSchema, refusalOf } from './support.js';

// The append function (src/postgres/appendSql.ts) where the store's database user is not the one
// that made the table: users that may not create it or call it, and functions of its name that
// someone else made. Roles are the cluster's, so each has a name of this run's own.

export function postgresRoles(): void {
  describe('PostgresEventStore under database users of their own', () => {
    const schema = isolatedSchema('roles');
    const run = randomBytes(3).toString('hex');
    const roles: string[] = [];
    const stores: PostgresEventStore[] = [];
    const admin = schema.admin;

    /** A role that may log in, and use the schema and read and insert into its tables (`create`: make things in it too). */
    const role = async (label: string, { create = false } = {}): Promise<string> => {
      const name = `apss_test_${label}_${run}`;
      roles.push(name);
      await admin().query(`CREATE ROLE ${name} LOGIN`);
      await admin().query(`GRANT USAGE${create ? ', CREATE' : ''} ON SCHEMA "${schema.name}" TO ${name}`);
      await admin().query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "${schema.name}" TO ${name}`);
      return name;
    };
    const open = (
      table: string,
      user?: string,
      options: { readonly options?: string } = {},
    ): PostgresEventStore => {
      const store = new PostgresEventStore({
        schema: schema.name,
        table,
        max: 2,
        ...(user === undefined ? {} : { user }),
        ...options,
      });
      stores.push(store);
      return store;
    };
    /** The append functions of the schema whose body names `table`. */
    const functionsOf = async (table: string): Promise<{ name: string; owner: string }[]> =>
      (
        await admin().query<{ name: string; owner: string }>(
          `SELECT proname AS name, proowner::regrole::text AS owner FROM pg_proc
             WHERE pronamespace = $1::regnamespace AND proname LIKE 'apss_append_%' AND strpos(prosrc, $2) > 0`,
          [`"${schema.name}"`, `"${schema.name}"."${table}"`],
        )
      ).rows;
    /** A table made by this version's store as the admin, then without its append function, as an earlier version left it. */
    const tableWithoutFunction = async (table: string): Promise<string> => {
      const made = open(table);
      await made.ensureSchema();
      const [append] = await functionsOf(table);
      if (append === undefined) throw new Error('the store made no append function');
      await admin().query(`DROP FUNCTION "${schema.name}"."${append.name}"`);
      return append.name;
    };
    /** Appends to two streams, a conflict, and reading it all back: what a user of the store needs to work. */
    const appendsWork = async (store: PostgresEventStore, tag: string): Promise<void> => {
      await store.appendToStream(`${tag}-a`, usageEvents('p1', 2, tag), { expectedVersion: 'no_stream' });
      await store.appendToStream(`${tag}-b`, usageEvents('p2', 1, tag), { expectedVersion: 'any' });
      expect(
        await refusalOf(
          store.appendToStream(`${tag}-a`, usageEvents('p1', 1, `${tag}late`), { expectedVersion: 1 }),
        ),
      ).toBeInstanceOf(ConcurrencyError);
      const read = (await collect(store.readAll())).filter((stored) => stored.streamId.startsWith(`${tag}-`));
      expect(read.map((stored) => [stored.streamId, stored.streamPosition])).toEqual([
        [`${tag}-a`, 1],
        [`${tag}-a`, 2],
        [`${tag}-b`, 1],
      ]);
    };

    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      for (const name of roles) {
        await admin().query(`DROP OWNED BY ${name}`);
        await admin().query(`DROP ROLE ${name}`);
      }
    });

    it('given a table made by an earlier version, a user who may not create anything in the schema appends to it, and no function is made', async () => {
      await tableWithoutFunction('made_before');
      const app = await role('app');
      await appendsWork(open('made_before', app), 'before');
      expect(await functionsOf('made_before')).toEqual([]);
    });

    it('given the append function dropped, or made no longer callable, while a store appends through it, then its next appends succeed, and it makes the function again', async () => {
      const store = open('dropped');
      await store.appendToStream('kept', usageEvents('p1', 1, 'first'), { expectedVersion: 'no_stream' });
      const [append] = await functionsOf('dropped');
      await admin().query(`DROP FUNCTION "${schema.name}"."${append?.name}"`);
      await appendsWork(store, 'dropped');
      expect(await functionsOf('dropped')).toHaveLength(1);
      const app = await role('revoked');
      const appStore = open('dropped', app);
      await appStore.appendToStream('kept', usageEvents('p1', 1, 'app'), { expectedVersion: 'any' });
      await admin().query(`REVOKE EXECUTE ON FUNCTION "${schema.name}"."${append?.name}" FROM PUBLIC`);
      await appendsWork(appStore, 'revoked');
    });

    it('given the append function made by the table owner but not callable by the user (EXECUTE revoked), the user appends', async () => {
      await open('not_callable').ensureSchema();
      const [append] = await functionsOf('not_callable');
      await admin().query(`REVOKE EXECUTE ON FUNCTION "${schema.name}"."${append?.name}" FROM PUBLIC`);
      const app = await role('nocall');
      await appendsWork(open('not_callable', app), 'nocall');
    });

    it("given a function of the append's name made by a user who does not own the table, the store never calls it: its events are stored", async () => {
      const name = await tableWithoutFunction('planted');
      const other = await role('other', { create: true });
      const client = await admin().connect();
      try {
        await client.query(`SET ROLE ${other}`);
        await client.query(
          `CREATE FUNCTION "${schema.name}"."${name}"(text, integer, jsonb) RETURNS integer LANGUAGE sql
             AS $$ SELECT coalesce($2, 0) + jsonb_array_length($3) $$`,
        );
        await client.query('RESET ROLE');
      } finally {
        client.release();
      }
      await appendsWork(open('planted'), 'planted');
      expect(await functionsOf('planted')).toEqual([]);
    });

    it('given two users who may create in the schema starting at once on a table made by an earlier version, both start and append', async () => {
      await tableWithoutFunction('two_users');
      const [first, second] = [await role('first', { create: true }), await role('second', { create: true })];
      const stores = [open('two_users', first), open('two_users', second)];
      expect(await Promise.all(stores.map((store) => refusalOf(store.ensureSchema())))).toEqual([
        'no refusal',
        'no refusal',
      ]);
      expect(await functionsOf('two_users')).toHaveLength(1);
      await appendsWork(stores[0] as PostgresEventStore, 'first');
      await appendsWork(stores[1] as PostgresEventStore, 'second');
    });

    it("given columns a user added to the table named like the append's own words, and a trigger that finds its table by the caller's search_path, appends work as before", async () => {
      const store = open('added', undefined, { options: `-c search_path=${schema.name},public` });
      await store.ensureSchema();
      await admin().query(
        `ALTER TABLE "${schema.name}".added ADD COLUMN stream text, ADD COLUMN version integer, ADD COLUMN base integer, ADD COLUMN e text`,
      );
      await admin().query(`CREATE TABLE "${schema.name}".outbox (stream_id text)`);
      await admin().query(
        `CREATE FUNCTION "${schema.name}".to_outbox() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO outbox VALUES (NEW.stream_id); RETURN NULL; END $$`,
      );
      await admin().query(
        `CREATE TRIGGER to_outbox AFTER INSERT ON "${schema.name}".added FOR EACH ROW EXECUTE FUNCTION "${schema.name}".to_outbox()`,
      );
      await appendsWork(store, 'added');
      const outbox = await admin().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema.name}".outbox`,
      );
      expect(outbox.rows).toEqual([{ n: 3 }]);
    });
  });
}
