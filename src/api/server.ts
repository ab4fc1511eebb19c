import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js';
import { generateRequestId } from '../ids.js';
import type { Logger } from '../logger.js';
import { sendError, sendJson } from './http.js';
import type { Router } from './router.js';

/** A handler that owns every path under a prefix (Bolt's receiver at /slack/events, the sandbox page). */
export interface Mount {
  prefix: string;
  listener: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface HttpHandlerOptions {
  router: Router;
  logger: Logger;
  mounts?: Mount[];
}

/**
 * The one request listener: mounts first, then the API router; JSON errors; one log line per request. Nothing a
 * request does can escape it: an unexpected error, thrown or rejected, is a logged 500 with a JSON body.
 */
export function createRequestListener({ router, logger, mounts = [] }: HttpHandlerOptions): RequestListener {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || generateRequestId();
    // A child logger costs a few microseconds: make it only for requests whose handlers log.
    let child: Logger | undefined;
    const log = () => {
      child ??= logger.child({ request_id: requestId });
      return child;
    };
    const fail = (err: unknown) =>
      sendError(req, res, err, log()).catch((sendErr: unknown) => {
        log().error({ err: sendErr }, 'could not send an error response');
        res.destroy();
      });
    let path = '/';
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) logger.error({ request_id: requestId, ...line }, 'request failed');
      else logger.info({ request_id: requestId, ...line }, 'request');
    });
    try {
      res.setHeader('x-request-id', requestId);
      const url = parseRequestUrl(req.url);
      path = url.pathname;

      const mount = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`));
      if (mount) {
        Promise.resolve()
          .then(() => mount.listener(req, res))
          .catch(fail);
        return;
      }

      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match.kind === 'not_found') throw new NotFoundError(`no route for ${req.method} ${url.pathname}`);
      if (match.kind === 'method_not_allowed') throw new MethodNotAllowedError(req.method, url.pathname, match.allow);
      let abort: AbortController | undefined;
      const ctx = {
        req,
        res,
        params: match.params,
        query: url.searchParams,
        get log() {
          return log();
        },
        get signal() {
          if (!abort) {
            const controller = new AbortController();
            abort = controller;
            res.on('close', () => controller.abort());
          }
          return abort.signal;
        },
      };
      Promise.resolve()
        .then(() => match.handler(ctx))
        .then((out) => {
          if (!res.writableEnded) sendJson(res, out.status, out.body, out.headers);
        })
        .catch(fail);
    } catch (err) {
      void fail(err);
    }
  };
}

/** The request target as a URL; a target that does not parse is a 400, not a thrown TypeError. */
function parseRequestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch (err) {
    throw new ValidationError('the request target is not a valid URL', [], { cause: err });
  }
}

/** Starts listening; resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export { createServer };
