import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where the sandbox keeps the `demo` runner's secret: next to a SQLite database, in `data/` with a Postgres URL. */
export function sandboxTokenPath(dbPath: string): string {
  const dir = /^[a-z]+:\/\//i.test(dbPath) ? resolve('data') : dirname(resolve(dbPath));
  return join(dir, 'sandbox-api-token');
}

/** The `demo` runner's secret if a sandbox bridge has made one; undefined otherwise (never creates it). */
export function readSandboxToken(dbPath: string): string | undefined {
  try {
    return readFileSync(sandboxTokenPath(dbPath), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `demo` runner's bearer secret in sandbox mode when RODIZIO_API_TOKENS is empty: made once (random,
 * file mode 0600) and reused, so the demo agent and curl examples keep working across restarts.
 */
export function readOrCreateSandboxToken(dbPath: string): string {
  const path = sandboxTokenPath(dbPath);
  const existing = readSandboxToken(dbPath);
  if (existing) return existing;
  mkdirSync(dirname(path), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  try {
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch {
    return readFileSync(path, 'utf8').trim(); // another process made it first
  }
}
