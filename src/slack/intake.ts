import type { App, ReceiverEvent } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import type { IntakeRow, IntakeStore } from '../store/intake.js';

/**
 * What processing a request came to. `done`: it changed what it asked for (or an earlier attempt already had),
 * and its row is kept so its key recognises replays. `unchanged`: refused or too late; the row is dropped.
 */
export type IntakeResult = 'done' | 'unchanged';

/** How a call to `process` ended: the processor's result, `failed`, or `skipped` (already handled elsewhere). */
export type IntakeStatus = IntakeResult | 'failed' | 'skipped';

export interface IntakeContext {
  /** The bridge's own client: Bolt's per-request client does not survive a restart. */
  client: WebClient;
  /** 1 the first time; more when an earlier attempt may have committed before its process stopped. */
  attempt: number;
  logger: Logger;
  /** Answers inside the request's own HTTP response while it is still open (slash commands); absent after a restart. */
  respond?: (text: string) => Promise<void>;
  /**
   * The token the request names, as the handler read it just before recording the request; absent after a
   * restart. A processor may check against it instead of reading it again: whether the token is still pending
   * is decided by the write itself either way.
   */
  token?: Token;
}

/** What a handler hands the processing of a request it has just recorded (see IntakeContext). */
export interface ProcessOptions {
  respond?: (text: string) => Promise<void>;
  token?: Token;
}

/** A kind of intake row: its name in the table and the schema its payload is written and read with. */
export interface IntakeKind<T> {
  name: string;
  schema: z.ZodType<T>;
}

/** Declares a kind; handlers record payloads of it and register the processor that handles them. */
export function intakeKind<S extends z.ZodType>(name: string, schema: S): IntakeKind<z.output<S>> {
  return { name, schema: schema as z.ZodType<z.output<S>> };
}

export type IntakeProcessor<T> = (payload: T, ctx: IntakeContext) => Promise<IntakeResult>;

/**
 * Records an Events API event before Bolt acks it (Bolt acks events before any listener runs); the ack waits
 * for the returned promise, and a rejection withholds it.
 */
export type EventRecorder = (event: Record<string, unknown>, ctx: { botUserId: string }) => Promise<void>;

/** A row that failed this many attempts (its process stopped each time) is given up rather than crash-looped. */
const MAX_ATTEMPTS = 3;
/** Rows recorded here and not yet taken up that are remembered (see `begun`). */
const MAX_RECORDED_HERE = 10_000;
/**
 * A row recorded here and taken up within this long is processed as recorded, its first attempt counted then.
 * Later (it waited behind the start-up drain) it is begun again, and a row another process finished meanwhile is
 * left alone. Well under the 15 s after which the leader takes up rows a replica left.
 */
const BEGUN_FRESH_MS = 5000;
/** Done rows are kept this long to recognise replays; Bolt refuses signatures older than 5 minutes anyway. */
const RETENTION_MS = 24 * 60 * 60_000;

const EventCallback = z.object({ type: z.literal('event_callback'), event: z.record(z.string(), z.unknown()) });

export interface IntakeOptions {
  /** The store's intake table (`store.intake`). */
  store: IntakeStore;
  client: WebClient;
  clock: Clock;
  logger: Logger;
  botUserId: string;
}

/**
 * The Slack intake: a request that will change state is recorded (keyed on Slack's ids) before it is acked,
 * then processed from its row; rows left unprocessed by a crash are processed at start, oldest first.
 */
export function createIntake({ store, client, clock, logger, botUserId }: IntakeOptions) {
  const log = logger.child({ component: 'intake' });
  const processors = new Map<string, { kind: IntakeKind<unknown>; run: IntakeProcessor<unknown> }>();
  const recorders = new Map<string, EventRecorder[]>();
  // Rows this process is handling now: a retry arriving meanwhile, or the drain, leaves them alone.
  const running = new Set<number>();
  // Rows this process recorded first and has not taken up yet, as written (their first attempt counted): taken up
  // without a `begin`, and only here from a listener. A copy of the request reaching another replica meanwhile finds
  // the row and leaves it (the recorder, or the leader's sweep if the recorder dies).
  const begun = new Map<number, IntakeRow>();
  const active = new Set<Promise<unknown>>();
  // New requests wait until rows left by an earlier process are handled, so a person's older click counts first.
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });

  function track<T>(work: Promise<T>): Promise<T> {
    active.add(work);
    const forget = () => {
      active.delete(work);
    };
    // Both branches handled here, so the bookkeeping itself never leaves a rejection unhandled.
    work.then(forget, forget);
    return work;
  }

  async function failRow(row: IntakeRow, error: string, err?: unknown): Promise<void> {
    log.error(
      { err, intake_id: row.id, kind: row.kind, key: row.key, error },
      'a Slack request could not be processed',
    );
    try {
      await store.fail(row.id, error, clock.now());
    } catch (failErr) {
      log.error({ err: failErr, intake_id: row.id }, 'cannot mark the intake row failed');
    }
  }

  async function run(id: number, { respond, token }: ProcessOptions = {}): Promise<IntakeStatus> {
    if (running.has(id)) return 'skipped';
    running.add(id);
    let row: IntakeRow | undefined;
    try {
      const recorded = begun.get(id);
      begun.delete(id);
      // Taken up soon after it was written (not after waiting behind the start-up drain): nothing else has had it.
      row = recorded && clock.now() - recorded.received_ms < BEGUN_FRESH_MS ? recorded : await store.begin(id);
      if (!row) return 'skipped';
      const processor = processors.get(row.kind);
      if (!processor) {
        await failRow(row, `no processor for intake kind "${row.kind}"`);
        return 'failed';
      }
      let payload: unknown;
      try {
        payload = processor.kind.schema.parse(JSON.parse(row.payload));
      } catch (err) {
        const why = err instanceof z.ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
        await failRow(row, `the payload does not parse: ${why}`);
        return 'failed';
      }
      const ctx: IntakeContext = {
        client,
        attempt: row.attempts,
        logger: log.child({ intake_id: row.id, kind: row.kind }),
        ...(respond ? { respond } : {}),
        // A copy processed again (a later attempt) reads for itself.
        ...(token && row.attempts === 1 ? { token } : {}),
      };
      const result = await processor.run(payload, ctx);
      if (result === 'done') await store.finish(id, clock.now());
      else await store.remove(id);
      return result;
    } catch (err) {
      if (row) await failRow(row, err instanceof Error ? err.message : String(err), err);
      else log.error({ err, intake_id: id }, 'cannot start processing an intake row');
      return 'failed';
    } finally {
      running.delete(id);
    }
  }

  /**
   * Processes rows a previous process left pending (up to the newest row now), oldest first. With several
   * replicas the leader calls it periodically with `olderThanMs`: rows another replica acknowledged and did not
   * finish in that time (it died) are taken up here; processing a row twice changes nothing the second time.
   */
  async function drain(options: { olderThanMs?: number } = {}): Promise<number> {
    const before = options.olderThanMs === undefined ? Number.POSITIVE_INFINITY : clock.now() - options.olderThanMs;
    let processed = 0;
    try {
      const pruned = await store.prune(clock.now() - RETENTION_MS);
      if (pruned > 0) log.debug({ pruned }, 'forgot old intake rows');
      const until = await store.lastId();
      let after = 0;
      for (;;) {
        const rows = await store.pending(after, until);
        if (rows.length === 0) break;
        for (const row of rows) {
          after = row.id;
          if (running.has(row.id) || row.received_ms > before) continue;
          if (row.attempts >= MAX_ATTEMPTS) {
            await failRow(
              row,
              `gave up after ${row.attempts} attempts: the process stopped while handling it each time`,
            );
            continue;
          }
          await run(row.id);
          processed++;
        }
      }
    } catch (err) {
      log.error({ err }, 'cannot read the intake; pending Slack requests wait for the next start');
    }
    if (processed > 0) log.info({ processed }, 'processed Slack requests a previous process had acknowledged');
    return processed;
  }

  async function recordEvent(body: ReceiverEvent['body']): Promise<void> {
    const parsed = EventCallback.safeParse(body);
    if (!parsed.success) return;
    const type = parsed.data.event.type;
    for (const recorder of (typeof type === 'string' && recorders.get(type)) || []) {
      await recorder(parsed.data.event, { botUserId });
    }
  }

  function process(id: number, options: ProcessOptions = {}): Promise<IntakeStatus> {
    return track(gate.then(() => run(id, options)));
  }

  return {
    /** Registers the processor of a kind (once, when the listeners are registered). */
    register<T>(kind: IntakeKind<T>, processor: IntakeProcessor<T>): void {
      if (processors.has(kind.name)) throw new Error(`intake kind "${kind.name}" is registered twice`);
      processors.set(kind.name, {
        kind: kind as IntakeKind<unknown>,
        // The kind's schema parses the payload before `run` sees it, so the payload has type T here.
        run: processor as IntakeProcessor<unknown>,
      });
    },

    /**
     * Writes a request in one short transaction; call it before `ack`. `fresh` is false for a key seen before (a
     * retry or replay), which then changes nothing. Throws when the database cannot take it: do not ack then.
     */
    async record<T>(kind: IntakeKind<T>, key: string, payload: T): Promise<{ id: number; fresh: boolean }> {
      const checked = kind.schema.parse(payload);
      // Whoever records a request takes it up next (a handler after its ack, an event's listener once Bolt hands it
      // over): its first attempt is counted as it is written, saving a statement on every click.
      const { row, fresh } = await store.record(key, kind.name, JSON.stringify(checked), clock.now(), true);
      if (fresh) {
        begun.set(row.id, row);
        // Rows no listener takes up (an event Bolt then ignores) are swept by the drain: forget the oldest.
        if (begun.size > MAX_RECORDED_HERE) begun.delete(begun.keys().next().value as number);
      }
      if (!fresh) log.info({ key, intake_id: row.id, status: row.status }, 'a Slack request seen before: ignored');
      return { id: row.id, fresh };
    },

    /** Whether a request with this key was recorded before (a retry or replay of it changes nothing). */
    async seen(key: string): Promise<boolean> {
      return (await store.byKey(key)) !== undefined;
    },

    /** Processes one recorded row (after the start-up drain). Never rejects: failures are logged and kept. */
    process,

    /**
     * Processes the row recorded under `key` (events are recorded before Bolt acks), if this process recorded it
     * and it is still pending. A retried or replayed copy changes nothing here: the row is the recorder's.
     */
    async processKey(key: string): Promise<IntakeStatus> {
      const row = await store.byKey(key);
      // A second copy arriving while the first is processed finds it running and is skipped there.
      if (row?.status !== 'pending' || !begun.has(row.id)) return 'skipped';
      return process(row.id);
    },

    /** Registers a recorder for an Events API event type, run before Bolt acks the event. */
    beforeAck(eventType: string, recorder: EventRecorder): void {
      recorders.set(eventType, [...(recorders.get(eventType) ?? []), recorder]);
    },

    /**
     * Bolt acks an event before its listeners run, so events are recorded here, before Bolt sees them. A recorder
     * that throws fails the request (HTTP 500 / no socket ack), and Slack delivers the event again.
     */
    install(app: App): void {
      const processEvent = app.processEvent.bind(app);
      app.processEvent = async (event: ReceiverEvent) => {
        try {
          await recordEvent(event.body);
        } catch (err) {
          log.error({ err }, 'cannot record a Slack event; not acknowledging it so Slack sends it again');
          throw err;
        }
        return processEvent(event);
      };
    },

    /** Starts processing the rows an earlier process left; requests arriving meanwhile wait for it. */
    start(): Promise<void> {
      return track(drain().then(() => openGate()));
    },

    drain,

    /** Resolves once nothing is being processed. */
    async idle(): Promise<void> {
      while (active.size > 0) await Promise.allSettled([...active]);
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;
