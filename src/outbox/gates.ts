import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GateStore } from '../store/gates.js';
import { RetryLater } from './job-errors.js';

/** The gates of delivery targets, each limited to `targetConcurrency` jobs in flight. */
const TARGET_PREFIX = 'webhook:';

/**
 * A gate names what an outbox job waits on besides its lane: a Slack rate limit (`slack.post:<channel>`,
 * `slack.update`) or a delivery target (`webhook:<origin>`). The worker leaves jobs behind a closed gate in
 * the table instead of taking a slot for them, so a paced channel or a hung receiver holds up nobody else.
 */
export const Gate = {
  /** chat.postMessage to one channel (new cards and thread replies): about one a second. */
  post: (channel: string) => `slack.post:${channel}`,
  /** chat.update for the whole workspace (Tier 3, about 50 a minute, bursts allowed). */
  update: 'slack.update',
  /** One webhook receiver (scheme, host and port). */
  webhook: (url: string) => {
    try {
      return `${TARGET_PREFIX}${new URL(url).origin}`;
    } catch {
      return `${TARGET_PREFIX}${url}`;
    }
  },
} as const;

export interface GateOptions {
  /** Minimum gap between chat.postMessage calls to one channel. */
  postIntervalMs: number;
  /** chat.update token bucket: burst size and refill rate. */
  updateBurst?: number;
  updatesPerMinute?: number;
  /** Jobs in flight to one webhook origin at once. */
  targetConcurrency?: number;
  /** Circuit breaker: first open period and cap, doubling with each consecutive failure. */
  breakerBaseMs?: number;
  breakerMaxMs?: number;
  /**
   * With several replicas: the database's gates, so channel pacing and 429 pauses hold across replicas. Circuit
   * breakers, in-flight counts and the chat.update bucket stay per process (a 429 it provokes pauses everyone).
   */
  shared?: { store: GateStore; logger: Logger };
}

interface Breaker {
  failures: number;
  openUntil: number;
}

/**
 * Rate limits and circuit breakers, kept in memory by the process that runs the outbox (and, with replicas,
 * mirrored in the database for pacing and pauses). `take` is called by a job just before its Slack call;
 * `closed` tells the worker which gates to skip now.
 */
export function createGates(clock: Clock, options: GateOptions) {
  const postIntervalMs = options.postIntervalMs;
  const burst = options.updateBurst ?? 20;
  const refillMs = 60_000 / (options.updatesPerMinute ?? 50);
  const targetConcurrency = options.targetConcurrency ?? 16;
  const breakerBaseMs = options.breakerBaseMs ?? 2000;
  const breakerMaxMs = options.breakerMaxMs ?? 5 * 60_000;
  const shared = options.shared;

  /** When each paced gate opens next (posts, and any gate paused by a 429). */
  const openAt = new Map<string, number>();
  let bucket = { tokens: burst, at: clock.now() };
  const breakers = new Map<string, Breaker>();
  const inFlight = new Map<string, number>();
  /** The gates the database held closed when last looked, and when each opens (see `learnShared`). */
  const learned = new Map<string, number>();

  function refill(now: number): void {
    const gained = (now - bucket.at) / refillMs;
    if (gained <= 0) return;
    bucket = { tokens: Math.min(burst, bucket.tokens + gained), at: now };
  }

  /**
   * Milliseconds until one more job may start through `gate`; 0 when it may now. Jobs already started through the
   * update gate count against its bucket, as if each had taken its token: a job takes it only after a few awaits,
   * so a worker starting several at once would otherwise start more than the bucket holds, and all but the first
   * would come back to wait (RetryLater), having taken a slot and a write for nothing.
   */
  function waitFor(gate: string, now = clock.now()): number {
    const paused = pausedFor(gate, now, gate === Gate.update ? (inFlight.get(gate) ?? 0) : 0);
    return atLimit(gate) ? Math.max(paused, 1) : paused;
  }

  /**
   * Milliseconds until `gate` is past its pacing, 429 pause, update bucket and open circuit (not its in-flight
   * limit). `ahead`: jobs that will take an update token first.
   */
  function pausedFor(gate: string, now: number, ahead = 0): number {
    let wait = Math.max(0, (openAt.get(gate) ?? 0) - now);
    if (gate === Gate.update) {
      refill(now);
      const need = 1 + ahead;
      if (bucket.tokens < need) wait = Math.max(wait, Math.ceil((need - bucket.tokens) * refillMs));
    }
    const breaker = breakers.get(gate);
    if (breaker) wait = Math.max(wait, breaker.openUntil - now);
    return wait;
  }

  /**
   * Whether `gate` is a delivery target with as many jobs in flight as a target may. Slack's gates have limits of
   * their own (pacing, the update bucket), which the jobs in flight through them already count against.
   */
  function atLimit(gate: string): boolean {
    return gate.startsWith(TARGET_PREFIX) && (inFlight.get(gate) ?? 0) >= targetConcurrency;
  }

  return {
    /** Uses the gate now or throws RetryLater for the wait (not counted as a failure). */
    async take(gate: string): Promise<void> {
      const now = clock.now();
      const wait = pausedFor(gate, now);
      if (wait > 0) throw new RetryLater(wait, `waiting for ${gate}`);
      if (gate === Gate.update) {
        bucket.tokens -= 1;
        // A pause another replica recorded (its 429) holds here too.
        const until = shared ? await shared.store.openAt(gate) : 0;
        if (until > now) {
          openAt.set(gate, until);
          throw new RetryLater(until - now, `waiting for ${gate} (paused by another replica)`);
        }
      } else if (gate.startsWith('slack.post:')) {
        openAt.set(gate, now + postIntervalMs);
        const sharedWait = shared ? await shared.store.take(gate, now, postIntervalMs) : 0;
        if (sharedWait > 0) {
          openAt.set(gate, now + sharedWait);
          throw new RetryLater(sharedWait, `waiting for ${gate} (another replica posted)`);
        }
      }
    },

    /**
     * Milliseconds until `gate` opens as far as this process knows (0: open now): paced, paused by a 429, out of
     * chat.update tokens, its circuit open, or closed in the database when last looked (`learnShared`). Not a
     * target that is only full: that one opens as one of its deliveries finishes.
     */
    opensIn(gate: string): number {
      const now = clock.now();
      return Math.max(pausedFor(gate, now), (learned.get(gate) ?? 0) - now, 0);
    },

    /**
     * With replicas: looks up the gates the database holds closed (another replica's post to a channel, a 429 it
     * got), for `opensIn`. Only that: claims check the database's gates themselves, so a gate opened there since
     * is never skipped here. Nothing to do in a single process.
     */
    async learnShared(): Promise<void> {
      if (!shared) return;
      const closed = await shared.store.closed(clock.now());
      learned.clear();
      for (const { name, openAtMs } of closed) learned.set(name, openAtMs);
    },

    /** Nothing goes through `gate` for `ms` (Slack's Retry-After). */
    pause(gate: string, ms: number): void {
      const until = Math.max(openAt.get(gate) ?? 0, clock.now() + ms);
      openAt.set(gate, until);
      shared?.store
        .pause(gate, until)
        .catch((err: unknown) => shared.logger.warn({ err, gate }, 'cannot share a rate-limit pause'));
    },

    /** A call through the gate worked: its circuit closes. */
    succeeded(gate: string): void {
      breakers.delete(gate);
    },

    /** A call through the gate failed or timed out: open its circuit for a while, longer each time. */
    failed(gate: string): number {
      const now = clock.now();
      const current = breakers.get(gate);
      // Jobs that were in flight together fail together: one outage, not several.
      if (current && current.openUntil > now) return current.openUntil - now;
      const failures = (current?.failures ?? 0) + 1;
      const ms = Math.min(breakerMaxMs, breakerBaseMs * 2 ** (failures - 1));
      breakers.set(gate, { failures, openUntil: now + ms });
      return ms;
    },

    /**
     * Counts jobs in flight through a gate: a target's (webhooks), so one origin cannot take every slot, and the
     * update gate's, so no more start than its bucket holds (see `waitFor`).
     */
    enter(gate: string): void {
      inFlight.set(gate, (inFlight.get(gate) ?? 0) + 1);
    },
    leave(gate: string): void {
      const n = (inFlight.get(gate) ?? 1) - 1;
      if (n <= 0) inFlight.delete(gate);
      else inFlight.set(gate, n);
    },

    waitFor,

    /** Whether `gate` has as many jobs in flight as a target may (it opens when one of them finishes). */
    full(gate: string): boolean {
      return atLimit(gate);
    },

    /** Whether `gate` paces calls one at a time (a channel's posts), so at most one job may go through it at once. */
    isPaced(gate: string): boolean {
      return gate.startsWith('slack.post:');
    },

    /**
     * The gates that are closed now, and the earliest time one of them opens (to set the worker's timer). `full`:
     * targets closed only because they have as many jobs in flight as a target may (they open as one finishes).
     * Only gates with state are listed, so the lists stay as short as the set of busy channels and targets.
     */
    closed(): { gates: string[]; full: string[]; nextOpenAt: number | undefined } {
      const now = clock.now();
      const gates: string[] = [];
      const full: string[] = [];
      let nextOpenAt: number | undefined;
      const names = new Set<string>([...openAt.keys(), ...breakers.keys(), ...inFlight.keys(), Gate.update]);
      for (const gate of names) {
        const wait = waitFor(gate, now);
        if (wait <= 0) {
          if (openAt.get(gate) !== undefined && (openAt.get(gate) ?? 0) <= now) openAt.delete(gate);
          continue;
        }
        const limited = atLimit(gate);
        // A gate full of in-flight jobs opens when one finishes, which pumps the worker anyway.
        if (limited && pausedFor(gate, now) === 0) {
          full.push(gate);
          continue;
        }
        gates.push(gate);
        if (!limited) nextOpenAt = Math.min(nextOpenAt ?? Number.POSITIVE_INFINITY, now + wait);
      }
      return { gates, full, nextOpenAt };
    },
  };
}

export type Gates = ReturnType<typeof createGates>;
