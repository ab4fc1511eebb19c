import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OutboxRow, OutboxStore } from '../store/outbox.js';
import type { EnqueuedJobs } from '../store/store.js';
import type { Gates } from './gates.js';
import { PermanentJobError, RetryLater } from './job-errors.js';

export interface JobContext<P = unknown> {
  job: OutboxRow;
  /** The job's payload, parsed by its kind's schema. */
  payload: P;
  /** 1 for the first try. */
  attempt: number;
  logger: Logger;
  /** Aborts when the job's time budget is spent: pass it to every network call. */
  signal: AbortSignal;
  /** What the kind's `prefetch` read for this job when it was claimed, if it did. */
  prefetched?: { value: unknown };
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 1000, maxMs: 5 * 60_000 };

/** The concurrency budgets: each class of side effect has its own slots, so one cannot starve another. */
export type JobClass = 'slack' | 'github' | 'webhook' | 'local';

export const DEFAULT_BUDGETS: Record<JobClass, number> = { slack: 4, github: 4, webhook: 32, local: 4 };

/** Which budget a kind spends: Slack calls, GitHub calls, webhooks, or local work (tmux, files). */
export function jobClass(kind: string): JobClass {
  if (kind.startsWith('slack.')) return 'slack';
  if (kind.startsWith('github.')) return 'github';
  if (kind === 'deliver.webhook' || kind === 'deliver.event') return 'webhook';
  return 'local';
}

export interface JobKind<P = unknown> {
  /** Every payload is parsed; one that does not parse is dead at once, with a log line saying why. */
  payload: z.ZodType<P>;
  handle(ctx: JobContext<P>): Promise<void>;
  retry?: RetryPolicy;
  /** How long one run may take (default 30 s); past it the run counts as failed and its slot is freed. */
  timeoutMs?: number;
  /**
   * Reads what several claimed jobs of this kind need, in one call, as they are claimed: a map from job id to
   * what `handle` finds in `ctx.prefetched` (a job with no entry, or claimed when this failed, reads for itself).
   * For data that cannot change before the job runs (a closed token's reentry).
   */
  prefetch?(jobs: OutboxRow[]): Promise<Map<number, unknown>>;
}

/**
 * Declares a job kind so its handler sees the payload type its schema parses (a plain object literal in a
 * `Record<string, JobKind>` would type the payload as unknown).
 */
export function defineJob<P>(kind: JobKind<P>): JobKind {
  return kind;
}

export interface OutboxWorkerOptions {
  outbox: OutboxStore;
  clock: Clock;
  logger: Logger;
  kinds: Record<string, JobKind>;
  /** Rate limits and circuit breakers; jobs behind a closed gate wait in the table without taking a slot. */
  gates?: Gates;
  budgets?: Partial<Record<JobClass, number>>;
  /** Lease length; a running job's lease is renewed every third of it, so it expires only when its owner died. */
  leaseMs?: number;
  /** Who holds leases taken by this worker (default: a fresh id per process). */
  owner?: string;
  /** The host this process runs on: jobs bound to another host are left for its replica (see NewJob.host). */
  host?: string;
  /** Called once a job is dead, after the row is marked: for audit events and notes to humans. */
  onDead?: (job: OutboxRow, error: string) => void;
  random?: () => number;
  /** How soon to look after a wake only for jobs queued behind others of their lane (default 1 s; see `wake`). */
  behindPollMs?: number;
  /** How soon to look after a wake for jobs another process enqueued (default 50 ms; see `wake`). */
  elsewhereMs?: number;
}

/** Exponential backoff with full jitter between half and all of the capped delay. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** While jobs run, how often the worker looks for jobs that fell due meanwhile (a backoff ending, a gate opening). */
const BUSY_POLL_MS = 100;

/**
 * How soon the worker looks again after hearing of jobs that went in behind another job of their lane (see `wake`):
 * only a race can leave one of them unclaimed, and this bounds its delay.
 */
const BEHIND_POLL_MS = 1000;

/**
 * How long a wake for jobs another process enqueued waits before this worker claims (see `wake`). That process heard
 * of them first and, with a free slot, has taken them already; the wait lets a burst of answers elsewhere cost one
 * claim here, and bounds the delay of a job it could not take (its slots full, or no worker: the CLI).
 */
const ELSEWHERE_MS = 50;

/** Jobs claimed for a full webhook target and held to start as its deliveries finish (see `filter`). */
const HOLD_PER_TARGET = 16;

/** Thrown into a run that outlived its time budget. */
class JobTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'JobTimeout';
  }
}

/**
 * Runs outbox jobs: each lane in order, lanes side by side within each class's budget, most urgent first.
 * A job behind a closed gate (a paced channel, a receiver whose circuit is open) stays in the table. Failures
 * retry with backoff until the kind's attempts run out, then the job is marked dead, logged and reported.
 */
export function createOutboxWorker(options: OutboxWorkerOptions) {
  const { outbox, clock, logger, kinds, gates } = options;
  const budgets: Record<JobClass, number> = { ...DEFAULT_BUDGETS, ...options.budgets };
  const leaseMs = options.leaseMs ?? 60_000;
  const owner = options.owner ?? `worker-${randomUUID()}`;
  const random = options.random ?? Math.random;
  const inFlight = new Map<number, Promise<void>>();
  const busy: Record<JobClass, number> = { slack: 0, github: 0, webhook: 0, local: 0 };
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (performance.now()). */
  let timerAt = 0;
  let renewer: NodeJS.Timeout | undefined;
  let idle: (() => void)[] = [];
  let woken = false;

  const kindsOfClass = (c: JobClass) => Object.keys(kinds).filter((k) => jobClass(k) === c);
  const targetGate = (job: OutboxRow) => (job.gate?.startsWith('webhook:') ? job.gate : null);
  /**
   * Paced gates (a channel's one post a second) pass one job at a time: a job takes the gate only after a few
   * awaits, so a second job started meanwhile would find it still open, then be pushed back behind later jobs.
   */
  const serialGate = (job: OutboxRow) => (job.gate && gates?.isPaced(job.gate) ? job.gate : null);
  const serialInFlight = new Set<string>();

  function fail(job: OutboxRow, log: Logger, message: string, err: unknown): void {
    options.onDead?.(job, message);
    log.error({ err, error: message, attempts: job.attempts + 1 }, 'outbox job is dead');
  }

  async function runHandler(kind: JobKind, job: OutboxRow, payload: unknown, attempt: number, log: Logger) {
    const budget = kind.timeoutMs ?? 30_000;
    const controller = new AbortController();
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => {
        controller.abort(new JobTimeout(budget));
        reject(new JobTimeout(budget));
      }, budget);
      timeout.unref();
    });
    const pre = prefetched.get(job);
    try {
      const ctx = {
        job,
        payload,
        attempt,
        logger: log,
        signal: controller.signal,
        ...(pre ? { prefetched: pre } : {}),
      };
      await Promise.race([kind.handle(ctx), expired]);
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * Completions are written together: those that come in while one write is under way (or in the same turn of the
   * event loop) go in the next single statement. Each job still waits for its own row to be written before its slot
   * is freed; with deliveries finishing side by side, this is one statement for several jobs instead of one each.
   */
  const completing: { id: number; written: () => void; failed: (err: unknown) => void }[] = [];
  let writing = false;

  function completeSoon(id: number): Promise<void> {
    return new Promise((written, failed) => {
      completing.push({ id, written, failed });
      if (completing.length === 1 && !writing) setImmediate(writeCompletions);
    });
  }

  function writeCompletions(): void {
    const batch = completing.splice(0);
    if (batch.length === 0) return;
    writing = true;
    outbox
      .completeMany(
        batch.map((c) => c.id),
        clock.now(),
      )
      .then(
        () => {
          for (const c of batch) c.written();
        },
        (err: unknown) => {
          for (const c of batch) c.failed(err);
        },
      )
      .finally(() => {
        writing = false;
        if (completing.length > 0) writeCompletions();
      });
  }

  async function run(job: OutboxRow): Promise<void> {
    const kind = kinds[job.kind];
    const log = logger.child({ job_id: job.id, job_kind: job.kind, token_id: job.token_id });
    const attempt = job.attempts + 1;
    if (!kind) {
      await outbox.kill(job.id, `no handler for job kind ${job.kind}`, clock.now());
      return fail(job, log, `unknown kind ${job.kind}`, undefined);
    }
    let payload: unknown;
    try {
      const parsed = kind.payload.safeParse(JSON.parse(job.payload));
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      payload = parsed.data;
    } catch (err) {
      const message = `payload does not parse: ${(err as Error).message}`;
      await outbox.kill(job.id, message, clock.now());
      return fail(job, log, message, err);
    }
    const policy = kind.retry ?? DEFAULT_RETRY;
    const target = targetGate(job);
    try {
      await runHandler(kind, job, payload, attempt, log);
      await completeSoon(job.id);
      if (target) gates?.succeeded(target);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = clock.now();
      if (err instanceof RetryLater && !(err.countsAsAttempt && attempt >= policy.maxAttempts)) {
        await outbox.reschedule(job.id, now + err.delayMs, message, now, err.countsAsAttempt);
        log.debug({ delay_ms: err.delayMs }, `outbox job deferred: ${message}`);
      } else if (err instanceof PermanentJobError || attempt >= policy.maxAttempts) {
        await outbox.kill(job.id, message, now);
        fail(job, log, message, err);
      } else {
        // A failing target is backed off as a whole (its circuit opens), each job on its own schedule.
        const open = target ? (gates?.failed(target) ?? 0) : 0;
        const delay = Math.max(open, backoffDelay(policy, attempt, random));
        await outbox.reschedule(job.id, now + delay, message, now, true);
        log.warn({ err, attempt, retry_in_ms: delay }, 'outbox job failed; will retry');
      }
    }
  }

  function startJob(job: OutboxRow): Promise<void> {
    const cls = jobClass(job.kind);
    const gate = job.gate;
    const serial = serialGate(job);
    busy[cls]++;
    // Counted while it runs: a target's slots, and the update bucket's tokens this job will take (see Gates.waitFor).
    if (gate) gates?.enter(gate);
    if (serial) serialInFlight.add(serial);
    const p = run(job)
      .catch((err) => logger.error({ err, job_id: job.id }, 'outbox bookkeeping failed'))
      .finally(() => {
        busy[cls]--;
        if (gate) gates?.leave(gate);
        if (serial) serialInFlight.delete(serial);
        inFlight.delete(job.id);
        startHeld();
        if (running && refillAfter(cls)) pump();
        if (inFlight.size === 0) {
          for (const fn of idle) fn();
          idle = [];
        }
      });
    inFlight.set(job.id, p);
    return p;
  }

  /**
   * Whether a finished job should look for more at once. A class keeps claiming in chunks (a quarter of its
   * budget) rather than one row per finished job: a claim is the heaviest statement, and with a backlog each
   * finish would otherwise run one. Nothing stalls: the last job in flight always pumps, enqueues wake the
   * worker, and the busy timer looks every BUSY_POLL_MS.
   */
  function refillAfter(cls: JobClass): boolean {
    return inFlight.size === 0 || budgets[cls] - busy[cls] >= Math.ceil(budgets[cls] / 4);
  }

  /**
   * What a claim must skip: closed gates, kinds whose class is busy, paced gates a job is using. A target that is
   * only full (as many deliveries in flight as a target may) is still claimed from until `held` has HOLD_PER_TARGET
   * of its jobs: leaving it out made a claim walk the whole backlog queued for it, and its slots sat idle while
   * that walk ran; its held jobs start as its deliveries finish, with no statement in between.
   */
  function filter() {
    const closed = gates?.closed() ?? { gates: [], full: [], nextOpenAt: undefined };
    const fullKinds = (Object.keys(budgets) as JobClass[]).filter((c) => busy[c] >= budgets[c]).flatMap(kindsOfClass);
    const stocked = closed.full.filter((g) => held.filter((job) => job.gate === g).length >= HOLD_PER_TARGET);
    const closedGates = [...closed.gates, ...stocked, ...serialInFlight];
    return { closedGates, fullKinds, host: options.host, nextOpenAt: closed.nextOpenAt };
  }

  /** When a job can next start: the earliest due lane head behind no closed gate, or the earliest gate to open. */
  async function nextRunAt(): Promise<number | undefined> {
    const f = filter();
    const due = await outbox.nextRunAt(f);
    if (due === undefined) return f.nextOpenAt;
    return f.nextOpenAt === undefined ? due : Math.min(due, f.nextOpenAt);
  }

  /**
   * Jobs claimed while their webhook target already ran as many deliveries as a target may: kept here, still leased
   * by this worker, and started as that target's jobs finish. Given back instead, a backlog for one receiver was
   * claimed again for every delivery (15 rows claimed and released per job started).
   */
  const held: OutboxRow[] = [];

  /**
   * Starts held jobs whose target has room again, in the order they were claimed: called as a job finishes, so a
   * busy target's next delivery starts at once rather than after the next round's statements. Anything else
   * (a class without slots, a gate closed for another reason) is left for the next round to decide.
   */
  function startHeld(): void {
    if (held.length === 0 || !running) return;
    const quota = freeSlots();
    for (const job of held.splice(0)) {
      if (verdict(job, quota) !== 'start') {
        held.push(job);
        continue;
      }
      quota[jobClass(job.kind)]--;
      startJob(job);
    }
  }

  /** Free slots per class as they are now. */
  function freeSlots(): Record<JobClass, number> {
    return Object.fromEntries(
      (Object.keys(budgets) as JobClass[]).map((c) => [c, Math.max(0, budgets[c] - busy[c])]),
    ) as Record<JobClass, number>;
  }

  /** What kinds' `prefetch` read for claimed jobs, by row (held rows keep theirs; finished ones are collected). */
  const prefetched = new WeakMap<OutboxRow, { value: unknown }>();

  /** Runs each kind's `prefetch` over its claimed jobs; a failure only means the handlers read for themselves. */
  async function prefetch(jobs: OutboxRow[]): Promise<void> {
    const byKind = new Map<string, OutboxRow[]>();
    for (const job of jobs) {
      if (!kinds[job.kind]?.prefetch) continue;
      const rows = byKind.get(job.kind);
      if (rows) rows.push(job);
      else byKind.set(job.kind, [job]);
    }
    for (const [name, rows] of byKind) {
      try {
        const read = (await kinds[name]?.prefetch?.(rows)) ?? new Map<number, unknown>();
        for (const job of rows) if (read.has(job.id)) prefetched.set(job, { value: read.get(job.id) });
      } catch (err) {
        logger.warn({ err, job_kind: name }, 'outbox prefetch failed; each job reads for itself');
      }
    }
  }

  /** Whether a claimed job can start now, should wait here for its target, or goes back to the table. */
  function verdict(job: OutboxRow, quota: Record<JobClass, number>): 'start' | 'hold' | 'release' | 'running' {
    if (inFlight.has(job.id)) return 'running';
    // More of one class than its free slots, or a gate the previous job of this round just used (a channel's one
    // post a second): given back, runnable again for the next round.
    const serial = serialGate(job);
    if (quota[jobClass(job.kind)] <= 0 || (serial !== null && serialInFlight.has(serial))) return 'release';
    if (job.gate && gates && gates.waitFor(job.gate) > 0) return gates.full(job.gate) ? 'hold' : 'release';
    return 'start';
  }

  /**
   * The last claim that came back with fewer rows than it asked for, and gave none back: everything runnable outside
   * the gates and kinds closed then was taken. While jobs are in flight, a claim made within BUSY_POLL_MS with at
   * least those gates and kinds closed, and no enqueue since, would walk the same pending jobs to find nothing.
   * With a backlog behind one busy receiver (its gate full of this replica's deliveries) that walk went over every
   * pending row after each delivery. It is skipped; a lane's next job, or one that fell due meanwhile, waits for
   * the busy timer (at most BUSY_POLL_MS). Real time, not the clock: it paces statements, not jobs.
   */
  let dry: { at: number; gates: string[]; kinds: string[] } | undefined;

  function stillDry(f: { closedGates: string[]; fullKinds: string[] }): boolean {
    if (!dry || inFlight.size === 0 || performance.now() - dry.at >= BUSY_POLL_MS) return false;
    return dry.gates.every((g) => f.closedGates.includes(g)) && dry.kinds.every((k) => f.fullKinds.includes(k));
  }

  /**
   * Takes as many runnable jobs as the budgets allow, held ones first. Returns how many it started. `paced`: skip
   * a claim that would find nothing (see `dry`); drain() claims every round.
   */
  async function fill(paced = true): Promise<number> {
    // Slots per class as they are now: a job finishing while this round gives back its extra claims must not let
    // a later (less urgent) claim of this round start in its place; the next round looks again.
    const quota = freeSlots();
    if (Object.values(quota).every((n) => n <= 0)) return 0;
    let started = 0;
    /** Jobs given back this round, in one statement at its end. */
    const back: number[] = [];
    // Synchronous: jobs started in one round all start before any of them can finish.
    const take = (job: OutboxRow): void => {
      const v = verdict(job, quota);
      if (v === 'start') {
        quota[jobClass(job.kind)]--;
        startJob(job);
        started++;
      } else if (v === 'hold') held.push(job);
      else if (v === 'release') back.push(job.id);
    };
    const giveBack = () => (back.length > 0 ? outbox.release(back.splice(0), owner) : undefined);
    // Held jobs were claimed earlier than anything a new claim returns.
    for (const job of held.splice(0)) take(job);
    const room = (Object.keys(quota) as JobClass[]).reduce((n, c) => n + quota[c], 0);
    const f = filter();
    if (room <= 0 || (paced && stillDry(f))) {
      await giveBack();
      return started;
    }
    // Claimed (leased) in one statement; on Postgres replicas claiming at once skip each other's rows.
    const limit = Math.min(room, 16);
    const claimed = await outbox.claim(clock.now(), limit, f, owner, leaseMs);
    await prefetch(claimed);
    const heldBack = back.length;
    for (const job of claimed) take(job);
    const gaveBack = back.length > heldBack;
    await giveBack();
    dry =
      claimed.length < limit && !gaveBack
        ? { at: performance.now(), gates: f.closedGates, kinds: f.fullKinds }
        : undefined;
    // Runnable jobs may be left behind gates other replicas closed: know them, so wakes for their jobs can wait for
    // them to open (see `wake`).
    if (dry) await gates?.learnShared().catch((err: unknown) => logger.warn({ err }, 'cannot read the shared gates'));
    return started;
  }

  /** Milliseconds until `gate` opens as far as this worker knows (0: open, or no gate). */
  const gateWait = (gate: string | undefined) => (gate === undefined || !gates ? 0 : gates.opensIn(gate));

  /** Whether a job enqueued so may start now: first in its lane, behind no closed gate. */
  function startable(job: EnqueuedJobs): boolean {
    return !job.behind && gateWait(job.gate) === 0;
  }

  /** Makes sure the worker pumps within `ms` (real time, at most 5 s), without putting off a timer set sooner. */
  function lookWithin(wait: number): void {
    if (!running) return;
    const ms = Math.min(Math.max(1, wait), 5000);
    const at = performance.now() + ms;
    if (timer && timerAt <= at) return;
    schedule(ms);
  }

  function schedule(ms: number): void {
    if (timer) clearTimeout(timer);
    timerAt = performance.now() + ms;
    timer = setTimeout(pump, ms);
    timer.unref();
  }

  /** One pump at a time: a call made while one runs asks it to go round once more. */
  let pumping: Promise<void> | undefined;
  let again = false;
  function pump(): void {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pumpOnce().finally(() => {
      pumping = undefined;
      if (again) {
        again = false;
        pump();
      }
    });
  }

  async function pumpOnce(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    let next: number | undefined;
    try {
      await fill();
      // While jobs are in flight each one pumps again as it finishes; the next-run query scans every pending job
      // behind a closed gate, so on a long backlog it runs only from the short timer below, not per completion.
      if (inFlight.size === 0) next = await nextRunAt();
    } catch (err) {
      logger.error({ err }, 'outbox poll failed');
    }
    if (!running) return;
    // Wake for the next runnable job; also poll every 5 s so jobs enqueued elsewhere are never stranded.
    const delay =
      inFlight.size > 0 ? BUSY_POLL_MS : next === undefined ? 5000 : Math.min(5000, Math.max(1, next - clock.now()));
    // A sooner look asked for while this pump ran (see `wake`) stands.
    if (!timer || timerAt > performance.now() + delay) schedule(delay);
  }

  return {
    owner,

    /** Starts taking jobs. Call only while holding the outbox's runner lock. */
    start(): void {
      running = true;
      renewer = setInterval(
        () => {
          if (inFlight.size > 0) {
            outbox
              .renewLeases(owner, clock.now() + leaseMs)
              .catch((err: unknown) => logger.error({ err }, 'cannot renew outbox leases'));
          }
        },
        Math.max(10, Math.floor(leaseMs / 3)),
      );
      renewer.unref();
      pump();
    },

    /** Stops taking jobs and waits for those in flight. */
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      if (renewer) clearInterval(renewer);
      timer = undefined;
      renewer = undefined;
      await pumping;
      await Promise.allSettled([...inFlight.values()]);
      // Jobs waiting here for their target go back at once, rather than when their lease runs out.
      const ids = held.splice(0).map((job) => job.id);
      await outbox.release(ids, owner).catch((err: unknown) => logger.warn({ err }, 'cannot give back jobs'));
    },

    /**
     * Something was enqueued: look now rather than at the next timer (once, however many enqueues came). `jobs`: what
     * the new jobs wait on, when known (see EnqueuedJobs). A claim for jobs that cannot start would walk the pending
     * jobs to find nothing; with a backlog behind Slack's rate limits, every answer's card update and thread reply
     * made each replica do so. So a wake only for jobs that cannot start is not acted on at once; the worker looks
     * again by the time the first of them can:
     * - a lane head behind a closed gate: when the gate opens;
     * - a job that went in behind another of its lane: that one's end pumps the worker that ran it. Only if that
     *   worker claimed before this job's commit was seen would it be missed, so the worker looks again within
     *   BEHIND_POLL_MS.
     *
     * `elsewhere`: another process enqueued the jobs (a replica's NOTIFY). It woke first and takes what it has
     * slots for, so claiming here at once found nothing for nearly every answer on another replica, each claim
     * walking the pending jobs. The worker looks within ELSEWHERE_MS instead, once for however many such wakes.
     */
    wake(jobs?: readonly EnqueuedJobs[], { elsewhere = false }: { elsewhere?: boolean } = {}): void {
      if (jobs && jobs.length > 0 && !jobs.some(startable)) {
        const behindMs = options.behindPollMs ?? BEHIND_POLL_MS;
        lookWithin(Math.min(...jobs.map((j) => (j.behind ? behindMs : gateWait(j.gate)))));
        return;
      }
      // A claim made before the commit found these jobs missing: it does not make the next one pointless.
      dry = undefined;
      if (elsewhere) {
        lookWithin(options.elsewhereMs ?? ELSEWHERE_MS);
        return;
      }
      if (!running || woken) return;
      woken = true;
      setImmediate(() => {
        woken = false;
        pump();
      });
    },

    /**
     * Runs jobs until none is runnable at the clock's current time (tests and the CLI use it with a fixed
     * clock). Returns how many jobs ran.
     */
    async drain(maxRounds = 10_000): Promise<number> {
      let total = 0;
      for (let round = 0; round < maxRounds; round++) {
        const started = await fill(false);
        if (started === 0 && inFlight.size === 0) return total;
        total += started;
        if (inFlight.size > 0) await Promise.race([...inFlight.values()]);
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

    nextRunAt,

    /** Whether some job could start now (due, a lane head, its gate open, its budget not spent). */
    async hasRunnable(): Promise<boolean> {
      return (await outbox.ready(clock.now(), 1, filter())).length > 0;
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
