import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { generateRequestId } from '../ids.js';
import type { Logger } from '../logger.js';
import { errorResponse, sendJson } from './http.js';
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

/** The one request listener: mounts first, then the API router; JSON errors; one log line per request. */
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
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) logger.error({ request_id: requestId, ...line }, 'request failed');
      else logger.info({ request_id: requestId, ...line }, 'request');
    });

    const mount = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`));
    if (mount) {
      Promise.resolve(mount.listener(req, res)).catch((err) => {
        log().error({ err }, 'mounted handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      });
      return;
    }

    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not_found') {
      req.resume();
      sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${url.pathname}` } });
      return;
    }
    if (match.kind === 'method_not_allowed') {
      req.resume();
      sendJson(
        res,
        405,
        { error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${url.pathname}` } },
        { allow: match.allow.join(', ') },
      );
      return;
    }
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
      .then(
        (out) => {
          if (!res.writableEnded) sendJson(res, out.status, out.body, out.headers);
        },
        (err: unknown) => {
          const out = errorResponse(err);
          if (!out.expected) log().error({ err }, 'unhandled error');
          // Close the connection when the body was not read to the end, so a huge upload stops.
          if (!req.readableEnded) res.setHeader('connection', 'close');
          if (!res.headersSent) sendJson(res, out.status, out.body, out.headers);
        },
      );
  };
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
