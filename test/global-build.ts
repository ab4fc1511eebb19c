import { ensureBuilt } from './helpers/build.js';

/** Vitest globalSetup: dist/ is current before any test starts a child process (see test/helpers/build.ts). */
export default function setup(): void {
  ensureBuilt();
}
