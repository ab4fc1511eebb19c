import { createMigratedTemplate, startPostgresCluster } from './helpers/postgres.js';

/**
 * Vitest globalSetup: one throwaway Postgres cluster for the whole run, unless RODIZIO_TEST_PG_URL already names
 * one. Workers are forked after this runs and inherit its environment, so tests find the URL there (see
 * createTestDatabase in helpers/postgres.ts), along with the name of a migrated template database that bridges'
 * databases are copied from. Fails, saying what to install, when Postgres is missing.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.RODIZIO_TEST_PG_URL) return undefined;
  const cluster = await startPostgresCluster();
  process.env.RODIZIO_TEST_PG_URL = cluster.url;
  try {
    await createMigratedTemplate(cluster.url);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return async () => {
    delete process.env.RODIZIO_TEST_PG_URL;
    delete process.env.RODIZIO_TEST_PG_TEMPLATE;
    await cluster.stop();
  };
}
