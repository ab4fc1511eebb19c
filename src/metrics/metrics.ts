import type { FetchFunction } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { JobKind } from '../outbox/worker.js';
import type { Purgatory } from '../purgatory.js';
import type { Store } from '../store/store.js';
import { observeOctokit, slackFetch } from './api-clients.js';
import { observeDeliveries, timeSweeps } from './jobs.js';
import { observeLifecycle } from './lifecycle.js';
import { createRegistry } from './registry.js';

export interface MetricsDeps {
  purgatory: Purgatory;
  store: Pick<Store, 'tokens' | 'feed' | 'stats'>;
  clock: Clock;
  logger: Logger;
  /** Long-polls waiting now (the waiters are made after the metrics, so this is read at scrape time). */
  waiters: () => number;
}

/**
 * The bridge's Prometheus metrics: counters and histograms fed as things happen (lifecycle commits, API calls,
 * deliveries, sweeps), and gauges read from the store when scraped. The composition root wires the pieces in
 * with one call each (`slackFetch`, `observeOctokit`, `deliveries`, `sweeps`); `render` is `GET /metrics`.
 */
export function createMetrics({ purgatory, store, clock, logger, waiters }: MetricsDeps) {
  const m = createRegistry();
  const log = logger.child({ component: 'metrics' });
  const lifecycle = observeLifecycle(m, { purgatory });

  /** The levels read at scrape time: two grouped counts, each over an index (see src/store/stats.ts). */
  async function readStore(): Promise<void> {
    m.tokensPending.reset();
    m.outboxPending.reset();
    m.outboxDead.reset();
    m.oldestPending.reset();
    try {
      const [pending, jobs] = await Promise.all([store.stats.pendingTokens(), store.stats.outboxJobs()]);
      let oldest = Number.POSITIVE_INFINITY;
      for (const p of pending) {
        m.tokensPending.set({ reason: p.reason, severity: p.severity }, p.n);
        oldest = Math.min(oldest, p.oldest_ms);
      }
      m.oldestPending.set(Number.isFinite(oldest) ? Math.max(0, (clock.now() - oldest) / 1000) : 0);
      for (const j of jobs) (j.status === 'dead' ? m.outboxDead : m.outboxPending).set({ kind: j.kind }, j.n);
      m.storeUp.set(1);
    } catch (err) {
      log.warn({ err }, 'metrics: cannot read the store');
      m.storeUp.set(0);
    }
  }

  async function renderOnce(): Promise<{ contentType: string; text: string }> {
    m.withDefaults();
    await readStore();
    m.waiters.set(waiters());
    return { contentType: m.registry.contentType, text: await m.registry.metrics() };
  }
  /** Scrapes run one at a time: the store gauges are reset and refilled by each. */
  let last: Promise<unknown> = Promise.resolve();

  return {
    /** The Prometheus text exposition of everything, with its content type. */
    render(): Promise<{ contentType: string; text: string }> {
      const next = last.then(renderOnce, renderOnce);
      last = next.catch(() => {});
      return next;
    },
    /**
     * The `fetch` for Slack's WebClient and Bolt's clients. Node's Response is what WebClient expects; the cast is
     * only because the DOM lib we compile with (without DOM.Iterable) types Headers without `entries()`.
     */
    slackFetch: slackFetch(m) as unknown as FetchFunction,
    /** Observes an Octokit's requests; returns it. */
    observeOctokit<O extends Parameters<typeof observeOctokit>[1]>(octokit: O): O {
      observeOctokit(m, octokit);
      return octokit;
    },
    /** Delivery job kinds, counted. */
    deliveries: (kinds: Record<string, JobKind>) => observeDeliveries(m, kinds),
    /** Sweeps, timed. */
    sweeps: <S extends Record<string, () => unknown>>(sweeps: S) => timeSweeps(m, sweeps),
    /** The metric objects themselves (tests, and code that counts something of its own). */
    registry: m,
    close: () => lifecycle.close(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
