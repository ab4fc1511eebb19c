import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/newcomer/**', '**/node_modules/**'],
    // better-sqlite3 is a native addon: separate processes keep each file's databases and servers apart.
    pool: 'forks',
    // One throwaway Postgres cluster for the run: the store tests run against both engines.
    globalSetup: ['test/global-postgres.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
