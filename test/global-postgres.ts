import { startPostgresCluster } from './helpers/postgres.js';

/**
 * Vitest globalSetup: one throwaway Postgres cluster for the whole run, unless RODIZIO_TEST_PG_URL already names
 * one. Workers are forked after this runs and inherit its environment, so tests find the URL there (see
 * createTestDatabase in helpers/postgres.ts). Fails, saying what to install, when Postgres is missing.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.RODIZIO_TEST_PG_URL) return undefined;
  const cluster = await startPostgresCluster();
  process.env.RODIZIO_TEST_PG_URL = cluster.url;
  return async () => {
    delete process.env.RODIZIO_TEST_PG_URL;
    await cluster.stop();
  };
}
