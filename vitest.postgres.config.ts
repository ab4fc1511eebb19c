import { defineConfig } from 'vitest/config';

/**
 * The same suites again on PostgreSQL: the store, the lifecycle, the agent API and the Slack end-to-end suites
 * run unchanged (test/helpers/engine.ts gives each test a fresh Postgres database instead of a SQLite file).
 * Suites about SQLite itself, child processes on a SQLite file, and the engine contract suite (which covers
 * both engines by itself) run only in the default config.
 */
export default defineConfig({
  test: {
    include: [
      'test/purgatory.test.ts',
      'test/lifecycle/**/*.test.ts',
      'test/api/{tokens,patch,reassign,bad-input-limits}.test.ts',
      'test/import/api-import.test.ts',
      'test/slack/{e2e,modal,thread-replies,permissions,intake,card-feedback,reassign,command-and-home}.test.ts',
      'test/followups/{deadlines,claim}.test.ts',
      'test/events/feed-api.test.ts',
    ],
    pool: 'forks',
    globalSetup: ['test/global-postgres.ts'],
    env: { RODIZIO_TEST_ENGINE: 'postgres' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
