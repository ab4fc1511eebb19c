import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OutboxRow, OutboxStore } from '../store/outbox.js';
import { PermanentJobError, RetryLater } from './job-errors.js';

export interface JobContext {
  job: OutboxRow;
  payload: Record<string, unknown>;
  /** 1 for the first try. */
  attempt: number;
  logger: Logger;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 1000, maxMs: 5 * 60_000 };

export interface JobKind {
  handle: JobHandler;
  retry?: RetryPolicy;
}

export interface OutboxWorkerOptions {
  outbox: OutboxStore;
  clock: Clock;
  logger: Logger;
  kinds: Record<string, JobKind>;
  concurrency?: number;
  /** How long a taken job is protected from other workers; handlers must finish well within it. */
  leaseMs?: number;
  /** Called once a job is dead, after the row is marked: for audit events and notes to humans. */
  onDead?: (job: OutboxRow, error: string) => void;
  random?: () => number;
}

/** Exponential backoff with full jitter between half and all of the capped delay. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/**
 * Runs outbox jobs: each lane in order, lanes in parallel up to `concurrency`. Failures retry with backoff
 * until the kind's attempts run out, then the job is marked dead, logged and reported — never dropped.
 */
export function createOutboxWorker(options: OutboxWorkerOptions) {
  const { outbox, clock, logger, kinds } = options;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const random = options.random ?? Math.random;
  const inFlight = new Map<number, Promise<void>>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let idle: (() => void)[] = [];

  async function run(job: OutboxRow): Promise<void> {
    const kind = kinds[job.kind];
    const log = logger.child({ job_id: job.id, job_kind: job.kind, token_id: job.token_id });
    const attempt = job.attempts + 1;
    if (!kind) {
      outbox.kill(job.id, `no handler for job kind ${job.kind}`, clock.now());
      log.error('outbox job has an unknown kind; marked dead');
      options.onDead?.(job, `unknown kind ${job.kind}`);
      return;
    }
    const policy = kind.retry ?? DEFAULT_RETRY;
    try {
      await kind.handle({ job, payload: JSON.parse(job.payload) as Record<string, unknown>, attempt, logger: log });
      outbox.complete(job.id, clock.now());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = clock.now();
      if (err instanceof RetryLater && !(err.countsAsAttempt && attempt >= policy.maxAttempts)) {
        outbox.reschedule(job.id, now + err.delayMs, message, now, err.countsAsAttempt);
        log.debug({ delay_ms: err.delayMs }, `outbox job deferred: ${message}`);
      } else if (err instanceof PermanentJobError || attempt >= policy.maxAttempts) {
        outbox.kill(job.id, message, now);
        log.error({ err, attempts: attempt }, 'outbox job is dead');
        options.onDead?.(job, message);
      } else {
        const delay = backoffDelay(policy, attempt, random);
        outbox.reschedule(job.id, now + delay, message, now, true);
        log.warn({ err, attempt, retry_in_ms: delay }, 'outbox job failed; will retry');
      }
    }
  }

  function startJob(job: OutboxRow): Promise<void> {
    const p = run(job)
      .catch((err) => logger.error({ err, job_id: job.id }, 'outbox bookkeeping failed'))
      .finally(() => {
        inFlight.delete(job.id);
        if (running) pump();
        if (inFlight.size === 0) {
          for (const fn of idle) fn();
          idle = [];
        }
      });
    inFlight.set(job.id, p);
    return p;
  }

  /** Takes as many due jobs as there are free slots. Returns how many it started. */
  function fill(): number {
    const free = concurrency - inFlight.size;
    if (free <= 0) return 0;
    const now = clock.now();
    let started = 0;
    for (const job of outbox.due(now, free + inFlight.size)) {
      if (started >= free) break;
      if (inFlight.has(job.id)) continue;
      if (!outbox.lease(job.id, now, leaseMs)) continue;
      startJob(job);
      started++;
    }
    return started;
  }

  function pump(): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    try {
      fill();
    } catch (err) {
      logger.error({ err }, 'outbox poll failed');
    }
    // Every slot busy: each finishing job pumps again, so there is no need to look for the next run time
    // (a query over every pending job) on each completion of a long backlog.
    if (inFlight.size >= concurrency) return;
    const next = outbox.nextRunAt();
    // Wake for the next due job; also poll every 5 s so jobs enqueued by another process are never stranded.
    const delay = next === undefined ? 5000 : Math.min(5000, Math.max(0, next - clock.now()));
    timer = setTimeout(pump, delay);
    timer.unref();
  }

  return {
    start(): void {
      running = true;
      // Jobs leased by a process that died (a crash mid-delivery) would otherwise wait out their lease.
      const released = outbox.releaseLeases();
      if (released > 0) logger.warn({ released }, 'took back outbox jobs a previous process had in flight');
      pump();
    },

    /** Stops taking jobs and waits for those in flight. */
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight.values()]);
    },

    /** Something was enqueued: look now rather than at the next timer. */
    wake(): void {
      if (running) setImmediate(pump);
    },

    /**
     * Runs jobs until none is due at the clock's current time (tests and the CLI use it with a fixed clock).
     * Returns how many jobs ran.
     */
    async drain(maxRounds = 10_000): Promise<number> {
      let total = 0;
      for (let round = 0; round < maxRounds; round++) {
        const started = fill();
        if (started === 0 && inFlight.size === 0) return total;
        total += started;
        await Promise.race([...inFlight.values()]);
      }
      return total;
    },

    /** Resolves when nothing is in flight. */
    idle(): Promise<void> {
      if (inFlight.size === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },

    inFlight(): number {
      return inFlight.size;
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
