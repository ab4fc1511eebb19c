import type { Purgatory } from '../purgatory.js';
import type { ReentryWaiters } from '../waiters.js';
import { buildOpenApi } from './openapi.js';
import type { Router } from './router.js';

export interface HealthDeps {
  purgatory: Purgatory;
  waiters: ReentryWaiters;
  version: string;
  /** False while the bridge is starting (the port is open, Slack not yet served): /healthz answers 503 "starting". */
  started?: () => boolean;
  /**
   * Extra sections (Slack, GitHub, the outbox) reported by later wiring; a check may be async, and one that throws
   * makes the bridge unhealthy.
   */
  checks?: Record<string, () => unknown>;
}

/** `/healthz` and `/v1/openapi.json`: unauthenticated. */
export function registerHealthRoutes(
  router: Router,
  { purgatory, waiters, version, started = () => true, checks = {} }: HealthDeps,
): void {
  let openapi: unknown;
  router
    .add('GET', '/healthz', async () => {
      let store: { ok: boolean; tokens?: Record<string, number>; error?: string };
      try {
        store = { ok: true, tokens: await purgatory.counts() };
      } catch (err) {
        store = { ok: false, error: (err as Error).message };
      }
      // A check that fails (the outbox's counts, when the database is down) is reported, not a 500.
      let failed = false;
      const extra = Object.fromEntries(
        await Promise.all(
          Object.entries(checks).map(async ([k, fn]) => {
            try {
              return [k, await fn()] as const;
            } catch (err) {
              failed = true;
              return [k, { ok: false, error: (err as Error).message }] as const;
            }
          }),
        ),
      );
      const status = !store.ok || failed ? 'unhealthy' : started() ? 'ok' : 'starting';
      return {
        status: status === 'ok' ? 200 : 503,
        body: { status, version, store, waiters: waiters.count(), ...extra },
      };
    })
    .add('GET', '/v1/openapi.json', () => {
      openapi ??= buildOpenApi(version);
      return { status: 200, body: openapi };
    });
}
