import { afterEach, vi } from 'vitest';
import { runCleanups } from './helpers/cleanup.js';

// Registered for every test file, including files that share a fork with others (see helpers/cleanup.ts).
afterEach(async () => {
  vi.restoreAllMocks();
  await runCleanups();
});
