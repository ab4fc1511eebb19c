import { BUSY_TIMEOUT_MS, isDatabaseBusy } from './sqlite/database.js';

/** Socket errors of a Postgres server that cannot be reached. */
const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'];

/**
 * Whether `err` says the database cannot be reached right now, so the same request may well work in a moment:
 * a Postgres server that is down, restarting or cut the connection (a socket error; SQLSTATE class 08, or 57P01–03
 * for a shutdown or a server still starting; node-postgres's "Connection terminated" for a query in flight).
 * Not a statement the database refused, and not SQLite (a file is there or it is not).
 */
export function isStoreUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  // Bolt hands listener errors on wrapped (`original`, or `originals` for several listeners).
  const { original, originals } = err as { original?: unknown; originals?: unknown };
  if (original !== undefined && isStoreUnreachable(original)) return true;
  if (Array.isArray(originals) && originals.some(isStoreUnreachable)) return true;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    return NETWORK_CODES.includes(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code);
  }
  return typeof message === 'string' && message.startsWith('Connection terminated');
}

/**
 * One line for an error of the database itself (not of rodizio's rules), or undefined when `err` is something
 * else: a SQLite file that stayed locked or cannot be written, a Postgres server that cannot be reached or
 * refused a statement.
 */
export function describeStoreError(err: unknown): string | undefined {
  // Another process kept the write lock past the busy timeout: not a broken file, and a retry will do.
  if (isDatabaseBusy(err)) {
    return (
      `the database is busy: another process held its write lock for over ${BUSY_TIMEOUT_MS / 1000} s ` +
      `(${err.code}); run the command again`
    );
  }
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  // SQLite cannot open or write the file (a folder that is not writable, a disk that is full).
  if (code.startsWith('SQLITE_')) return `the database cannot be used (${code}): ${String(message)}`;
  if (NETWORK_CODES.includes(code)) return `cannot reach the Postgres server (${code}): ${String(message)}`;
  // Postgres errors carry a five-character SQLSTATE and a severity.
  if (/^[0-9A-Z]{5}$/.test(code) && 'severity' in err) return `Postgres refused it (${code}): ${String(message)}`;
  return undefined;
}
