import { defineConfig } from 'vitest/config';

// The fresh-clone test runs alone, after `npm test` (`npm run test:newcomer`, called by .ci/run).
export default defineConfig({
  test: {
    include: ['test/newcomer/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    testTimeout: 400_000,
    hookTimeout: 60_000,
  },
});
