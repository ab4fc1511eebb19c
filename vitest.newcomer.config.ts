import { defineConfig } from 'vitest/config';

// The fresh-clone test runs alone, after the main suite (see package.json "test").
export default defineConfig({
  test: {
    include: ['test/newcomer/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 400_000,
    hookTimeout: 60_000,
  },
});
