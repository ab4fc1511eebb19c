import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterTest } from './cleanup.js';

/** A fresh temporary folder, removed after the current test. */
export function tempDir(prefix = 'rodizio-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterTest(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A database path inside a fresh temporary folder. */
export function tempDbPath(): string {
  return join(tempDir(), 'rodizio.db');
}
