import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/newcomer/**', '**/node_modules/**'],
    // better-sqlite3 is a native addon: separate processes keep each file's databases and servers apart.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
