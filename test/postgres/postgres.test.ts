import { postgresContract } from './contractSuite.js';
import { postgresFaults } from './faultSuite.js';
import { postgresNames } from './namesSuite.js';
import { postgresRaces } from './raceSuite.js';
import { postgresRoles } from './rolesSuite.js';
import { postgresStorage } from './storageSuite.js';
import { whenPostgres } from './support.js';

// Every PostgreSQL suite hangs off this one file, so that a machine without the server skips them all
// with one line, and CI (APSS_REQUIRE_POSTGRES=1) fails instead.
await whenPostgres('PostgreSQL tests', () => {
  postgresContract();
  postgresStorage();
  postgresNames();
  postgresRaces();
  postgresFaults();
  postgresRoles();
});
