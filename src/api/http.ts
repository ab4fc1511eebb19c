import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  NotPendingError,
  PayloadTooLargeError,
  RodizioError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** What a route returns; the server writes it. */
export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Reads a JSON body: 415 unless Content-Type is JSON, 413 past `limit`, 400 when it does not parse. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    req.resume();
    throw new PayloadTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', resolve);
    req.once('error', reject);
  });
  if (size === 0) return undefined;
  const type = req.headers['content-type'];
  if (!type || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) throw new UnsupportedMediaTypeError(type);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ValidationError(`the body is not valid JSON: ${(err as Error).message}`, [], { cause: err });
  }
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

/** The one place error codes become HTTP statuses: `{ error: { code, message, issues? } }`. */
export function errorResponse(err: unknown): HttpResponse & { expected: boolean } {
  const status =
    err instanceof ValidationError
      ? 400
      : err instanceof UnauthorizedError
        ? 401
        : err instanceof ForbiddenError
          ? 403
          : err instanceof NotFoundError
            ? 404
            : err instanceof ConflictError || err instanceof NotPendingError
              ? 409
              : err instanceof PayloadTooLargeError
                ? 413
                : err instanceof UnsupportedMediaTypeError
                  ? 415
                  : 500;
  if (status === 500 || !(err instanceof RodizioError)) {
    return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, expected: false };
  }
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err instanceof ValidationError && err.issues.length > 0) error.issues = err.issues;
  const body: Record<string, unknown> = { error };
  if (err instanceof NotPendingError) body.token = err.token;
  return {
    status,
    body,
    headers: status === 401 ? { 'www-authenticate': 'Bearer realm="rodizio"' } : {},
    expected: true,
  };
}
