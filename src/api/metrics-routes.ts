import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Router } from './router.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface MetricsRouteDeps {
  metrics: Pick<Metrics, 'render'>;
  /** RODIZIO_METRICS_TOKEN: when set, scrapes must send it as a bearer token; unset, /metrics is open. */
  token: string | undefined;
}

/**
 * `GET /metrics` in Prometheus' text format. Its own bearer token rather than the admin's, so a scraper's
 * config never holds a secret that can answer tokens. Compared as SHA-256 digests in constant time.
 */
export function registerMetricsRoutes(router: Router, { metrics, token }: MetricsRouteDeps): void {
  const expected = token === undefined ? undefined : digest(token);
  router.add('GET', '/metrics', async ({ req, res }) => {
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match) throw new UnauthorizedError('send Authorization: Bearer <RODIZIO_METRICS_TOKEN>');
      if (!timingSafeEqual(digest(match[1] as string), expected)) throw new UnauthorizedError('wrong metrics token');
    }
    const { contentType, text } = await metrics.render();
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
    });
    res.end(text);
    return { status: 200 };
  });
}
