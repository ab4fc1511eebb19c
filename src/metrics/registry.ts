import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds from a token's arrival to its answer: 10 s to a week, so "p90 over an hour" reads between buckets. */
export const ANSWER_BUCKETS = [
  10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200, 604_800,
];
/** Seconds of one Slack or GitHub API call. */
export const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds of one sweep over the store. */
export const SWEEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every metric rodizio exposes, on a registry of its own (never prom-client's global one), so tests and several
 * bridges in one process each count their own. Names and labels are listed in the README.
 */
export function createRegistry() {
  const registry = new Registry();
  const registers = [registry];
  let defaults = false;
  return {
    registry,
    tokensCreated: new Counter({
      name: 'rodizio_tokens_created_total',
      help: 'Tokens this process stored (API, MCP, phase files, imports of pending tokens), by reason and severity.',
      labelNames: ['reason', 'severity'] as const,
      registers,
    }),
    tokensSettled: new Counter({
      name: 'rodizio_tokens_settled_total',
      help: 'Tokens this process moved out of pending, by reason, outcome (resolved/expired/cancelled) and via.',
      labelNames: ['reason', 'outcome', 'via'] as const,
      registers,
    }),
    timeToAnswer: new Histogram({
      name: 'rodizio_time_to_answer_seconds',
      help: 'From a token arriving to a person answering it (resolved by a person; rules and grants excluded).',
      labelNames: ['reason', 'severity'] as const,
      buckets: ANSWER_BUCKETS,
      registers,
    }),
    tokensPending: new Gauge({
      name: 'rodizio_tokens_pending',
      help: 'Tokens waiting for an answer now, by reason and severity (read from the store at scrape time).',
      labelNames: ['reason', 'severity'] as const,
      registers,
    }),
    oldestPending: new Gauge({
      name: 'rodizio_oldest_pending_seconds',
      help: 'Age of the oldest pending token (0 when none), read from the store at scrape time.',
      registers,
    }),
    outboxPending: new Gauge({
      name: 'rodizio_outbox_pending_jobs',
      help: 'Outbox jobs waiting to run, by kind (read from the store at scrape time).',
      labelNames: ['kind'] as const,
      registers,
    }),
    outboxDead: new Gauge({
      name: 'rodizio_outbox_dead_jobs',
      help: 'Outbox jobs given up on, by kind (read from the store at scrape time); `rodizio outbox` lists them.',
      labelNames: ['kind'] as const,
      registers,
    }),
    storeUp: new Gauge({
      name: 'rodizio_store_up',
      help: '1 when the scrape-time store reads succeeded, 0 when they failed (the store gauges are then absent).',
      registers,
    }),
    apiCalls: new Histogram({
      name: 'rodizio_api_call_duration_seconds',
      help: 'Slack and GitHub HTTP calls (each attempt), by api, method and HTTP status ("network" when none came).',
      labelNames: ['api', 'method', 'status'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    apiErrors: new Counter({
      name: 'rodizio_api_call_errors_total',
      help: 'Failed Slack and GitHub calls, by api, method and error (HTTP status, Slack error code, or "network").',
      labelNames: ['api', 'method', 'error'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rodizio_api_rate_limited_total',
      help: 'Responses that said "rate limited" (429, or a GitHub 403 with no requests remaining), by api and method.',
      labelNames: ['api', 'method'] as const,
      registers,
    }),
    deliveryAttempts: new Counter({
      name: 'rodizio_delivery_attempts_total',
      help: 'Attempts to deliver a reentry or event, by target kind (webhook, tmux, file, reply_file, event).',
      labelNames: ['target'] as const,
      registers,
    }),
    deliveryFailures: new Counter({
      name: 'rodizio_delivery_failures_total',
      help: 'Delivery attempts that failed (a wait for pacing or Retry-After is not a failure), by target kind.',
      labelNames: ['target'] as const,
      registers,
    }),
    sweepDuration: new Histogram({
      name: 'rodizio_sweep_duration_seconds',
      help: 'Scheduled sweeps (deadlines, renotify, blocked, gc), by sweep and result (ok/failed).',
      labelNames: ['sweep', 'result'] as const,
      buckets: SWEEP_BUCKETS,
      registers,
    }),
    waiters: new Gauge({
      name: 'rodizio_longpoll_waiters',
      help: 'Long-polls (GET /v1/tokens/:id/reentry?wait=…, MCP waits) waiting now.',
      registers,
    }),
    /**
     * Node's process metrics (CPU, memory, event loop lag, GC), added on the first scrape: they start an event
     * loop monitor and a GC observer that are never stopped, which a bridge nobody scrapes should not carry.
     */
    withDefaults(): void {
      if (defaults) return;
      defaults = true;
      collectDefaultMetrics({ register: registry });
    },
  };
}

export type MetricsRegistry = ReturnType<typeof createRegistry>;
