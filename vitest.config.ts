import { defineConfig } from 'vitest/config';

/**
 * Suites that run a second time on PostgreSQL: the store, the lifecycle, the agent API, the Slack end-to-end,
 * the permission/grant and the MCP-over-HTTP suites, unchanged (test/helpers/engine.ts gives each test a fresh Postgres database instead of a SQLite file).
 * Suites about SQLite itself, child processes on a SQLite file, and the engine contract suite (which covers both
 * engines by itself) run only once.
 */
const ON_POSTGRES = [
  'test/purgatory.test.ts',
  'test/lifecycle/**/*.test.ts',
  'test/api/{tokens,patch,reassign,bad-input-limits}.test.ts',
  'test/import/api-import.test.ts',
  'test/slack/{e2e,modal,thread-replies,permissions,intake,intake-begin,card-feedback,reassign,command-and-home,answer-service}.test.ts',
  'test/followups/{deadlines,claim}.test.ts',
  'test/github-ref/{input,poll}.test.ts',
  'test/events/{feed-api,subscriptions-shared}.test.ts',
  'test/permissions/{api,grants,grants-gc,edit-deny,rules}.test.ts',
  'test/mcp/{permission,http,notify-api}.test.ts',
  'test/metrics/*.test.ts',
];

const shared = {
  // better-sqlite3 is a native addon: separate processes keep each file's databases and servers apart.
  pool: 'forks' as const,
  // dist/ current for the child processes (test/helpers/build.ts), and one throwaway Postgres cluster for the run
  // (the first project's setup starts it, the second finds its URL).
  globalSetup: ['test/global-build.ts', 'test/global-postgres.ts'],
  // Undoes what each test started through the helpers (test/helpers/cleanup.ts); runs for every file.
  setupFiles: ['test/setup.ts'],
  // Child-process tests (serve, hooks, SIGKILL and restart) take 5–10 s alone and twice that on a loaded 2-core CI
  // machine: a hung test still fails, a slow machine does not.
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Most files wait on sockets, child processes and Postgres rather than compute: two at a time on 2 cores.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'sqlite',
          // One fork runs several files in turn, so @slack/bolt, Octokit and the MCP SDK are imported once per fork
          // rather than once per file (import time: about 240 s → 25 s of the run). Every file opens its own
          // databases, servers and clocks; the Postgres project stays isolated (its engine helper keeps state).
          isolate: false,
          include: ['test/**/*.test.ts'],
          // The fresh-clone check runs on its own (vitest.newcomer.config.ts): `npm ci` compiles better-sqlite3.
          exclude: ['test/newcomer/**', '**/node_modules/**'],
        },
      },
      {
        test: {
          ...shared,
          name: 'postgres',
          isolate: false,
          include: ON_POSTGRES,
          env: { RODIZIO_TEST_ENGINE: 'postgres' },
        },
      },
    ],
  },
});
