import { describe, it } from 'vitest';
import { postgresContract } from './contractSuite.js';
import { postgresFaults } from './faultSuite.js';
import { postgresNames } from './namesSuite.js';
import { postgresRaces } from './raceSuite.js';
import { postgresStorage } from './storageSuite.js';
import { postgresRequired, unreachableReason, where } from './support.js';

// Every PostgreSQL suite hangs off this one file, so that a machine without the server skips them all
// with one line, and CI (APSS_REQUIRE_POSTGRES=1) fails instead.
const unreachable = await unreachableReason();

if (unreachable === undefined) {
  postgresContract();
  postgresStorage();
  postgresNames();
  postgresRaces();
  postgresFaults();
} else if (postgresRequired) {
  describe('PostgreSQL', () => {
    it('is reachable, as APSS_REQUIRE_POSTGRES=1 demands', () => {
      throw new Error(
        `PostgreSQL at ${where()} is required (APSS_REQUIRE_POSTGRES=1) but unreachable: ${unreachable}`,
      );
    });
  });
} else {
  console.log(
    `postgres: skipping the PostgreSQL tests, no server at ${where()} (${unreachable}); set PGHOST/PGPORT/PGUSER/PGDATABASE to run them`,
  );
  describe.skip('PostgreSQL event store (no server)', () => {
    it('needs a PostgreSQL server', () => undefined);
  });
}
