import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ConflictError,
  ForbiddenError,
  InvalidSignatureError,
  MethodNotAllowedError,
  NotFoundError,
  NotPendingError,
  PayloadTooLargeError,
  RodizioError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { parseJsonText } from '../json.js';
import type { Logger } from '../logger.js';
import { isStoreUnreachable } from '../store/errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How much of a refused body is still read (and thrown away) before the answer goes out. A client that is still
 * sending when the server answers and closes sees a broken pipe instead of the 413; past this, the connection is
 * closed anyway.
 */
export const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

/** What a route returns; the server writes it. */
export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Reads the raw body: 413 past `limit`. On a 413 the rest of the body is left flowing for `sendError` to drain,
 * and nothing more is kept in memory.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ValidationError('the request body was cut off', [], { cause: err }));
    };
    const onClose = () => onError(new Error('connection closed before the body ended'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
  return Buffer.concat(chunks, size);
}

/** Reads a JSON body: 415 unless Content-Type is JSON, 413 past `limit`, 400 when it does not parse or nests too deep. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return undefined;
  const type = req.headers['content-type'];
  if (!type || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) throw new UnsupportedMediaTypeError(type);
  return parseJsonText(raw.toString('utf8'), 'the body');
}

/**
 * Reads and discards what is left of the request body, up to `cap` bytes, so the answer can be read by a client
 * that is still sending. Resolves true when the request ended, false when it went past `cap` or broke off.
 */
export function drainRequest(req: IncomingMessage, cap = MAX_DRAIN_BYTES): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > cap + MAX_BODY_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ended: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > cap) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(req.readableEnded);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', onClose);
    req.resume();
  });
}

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

const STATUSES: [new (...args: never[]) => RodizioError, number][] = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [InvalidSignatureError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [NotPendingError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [UnavailableError, 503],
];

/**
 * The one place error codes become HTTP statuses: `{ error: { code, message, issues? } }`, plus the recorded
 * `token` and `reentry` for a 409 not_pending. Anything unexpected is a 500 with no detail (`expected: false`).
 */
export function errorResponse(err: unknown): HttpResponse & { expected: boolean } {
  // The database is down or restarting: a 503 the caller may retry (logged with the error, as a 500 is).
  if (isStoreUnreachable(err)) {
    return {
      status: 503,
      body: { error: { code: 'unavailable', message: 'the database cannot be reached right now; try again' } },
      headers: { 'retry-after': '1' },
      expected: false,
    };
  }
  const status = STATUSES.find(([type]) => err instanceof type)?.[1];
  if (status === undefined || !(err instanceof RodizioError)) {
    return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, expected: false };
  }
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err instanceof ValidationError && err.issues.length > 0) error.issues = err.issues;
  const body: Record<string, unknown> = { error };
  const headers: Record<string, string> = {};
  if (err instanceof NotPendingError) {
    body.token = err.token;
    if (err.reentry !== undefined) body.reentry = err.reentry;
  }
  if (err instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer realm="rodizio"';
  if (err instanceof MethodNotAllowedError) headers.allow = err.allow.join(', ');
  if (err instanceof UnavailableError) headers['retry-after'] = '1';
  return { status, body, headers, expected: true };
}

/**
 * Answers a request with the error's status and JSON body (a 500 is logged with the error). What is left of the
 * request body is drained first, so the client can read the answer; past `MAX_DRAIN_BYTES` the connection closes.
 * `formatBody` lets an API with its own error body shape (the sandbox page's) keep it; the status is still ours.
 */
export async function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  log: Logger,
  formatBody: (mapped: unknown, err: unknown) => unknown = (mapped) => mapped,
): Promise<void> {
  const out = errorResponse(err);
  if (!out.expected) log.error({ err }, out.status === 503 ? 'the database cannot be reached' : 'unhandled error');
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const ended = await drainRequest(req);
  if (res.headersSent || res.destroyed) return;
  const headers = ended ? (out.headers ?? {}) : { ...out.headers, connection: 'close' };
  sendJson(res, out.status, formatBody(out.body, err), headers);
}
