import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { FileConfig } from '../config-file.js';
import { checkWebhookUrl, runnerRules } from '../delivery/targets.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { Gate } from '../outbox/gates.js';
import type { Actor } from '../purgatory.js';
import type { NewJob } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { SubscriptionRow } from '../store/subscriptions.js';
import { formatIsoTime } from '../time.js';
import { parseOrThrow } from '../validation.js';
import type { AppendedEvent, EventPlanner, TokenOwner } from './append-hook.js';
import { type FeedEvent, SubscriptionInput } from './event.js';

/** The job kind that POSTs one event to one subscription. */
export const EVENT_DELIVERY_KIND = 'deliver.event';

/** Events never delivered to subscriptions: a dead subscription delivery must not feed itself. */
const NOT_DELIVERED = new Set(['subscription_dead']);

/** A runner may hold this many API subscriptions. */
export const MAX_SUBSCRIPTIONS_PER_RUNNER = 100;

export { SubscriptionInput };

/** A subscription as the API shows it. */
export const Subscription = z.object({
  id: z.string(),
  runner: z.string(),
  url: z.string(),
  types: z.array(z.string()).nullable().describe('null: every type'),
  project: z.string().nullable(),
  created_at: z.string().nullable().describe('null for subscriptions from the config file'),
  source: z.enum(['api', 'config']).describe('config-file subscriptions cannot be deleted through the API'),
});
export type Subscription = z.infer<typeof Subscription>;

export const SubscriptionList = z.object({ subscriptions: z.array(Subscription) });

export interface SubscriptionDeps {
  store: Store;
  config: { file: FileConfig; sandbox: boolean };
  clock: Clock;
}

function rowToSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    runner: row.runner,
    url: row.url,
    types: row.types === null ? null : z.array(z.string()).parse(JSON.parse(row.types)),
    project: row.project,
    created_at: formatIsoTime(row.created_ms),
    source: 'api',
  };
}

/** Subscriptions written by the operator under `runners.<name>.subscriptions`: static for the process's life. */
function configSubscriptions(file: FileConfig): Subscription[] {
  return Object.entries(file.runners).flatMap(([runner, entry]) =>
    (entry.subscriptions ?? []).map((s, i) => ({
      id: `cfg-${runner}-${i + 1}`,
      runner,
      url: s.url,
      types: s.types ?? null,
      project: s.project ?? null,
      created_at: null,
      source: 'config' as const,
    })),
  );
}

/** The feed event a subscription delivery carries. */
export function appendedToFeedEvent(e: AppendedEvent, owner: TokenOwner | undefined): FeedEvent {
  return {
    id: String(e.seq),
    type: e.type,
    token_id: e.tokenId,
    at: formatIsoTime(e.atMs),
    actor: e.actor,
    data: e.data,
    project: owner?.project ?? null,
    runner: owner?.runner ?? null,
  };
}

/**
 * Runners' webhook subscriptions to audit events: registered through the API (stored) or the config file
 * (static). Kept in memory, reloaded after a change (`invalidate`), so planning a delivery for each appended
 * event is a lookup, not a query.
 */
export function createSubscriptions({ store, config, clock }: SubscriptionDeps) {
  const fromConfig = configSubscriptions(config.file);
  let cache: Promise<Subscription[]> | undefined;

  /** The subscriptions, read once per invalidation; a failed read is not kept, so the next call tries again. */
  const current = (): Promise<Subscription[]> => {
    if (cache) return cache;
    const loading: Promise<Subscription[]> = store.subscriptions.all().then(
      (rows) => [...fromConfig, ...rows.map(rowToSubscription)],
      (err: unknown) => {
        // Only this read is forgotten: an invalidation may already have started a newer one.
        if (cache === loading) cache = undefined;
        throw err;
      },
    );
    cache = loading;
    return loading;
  };

  const insert = (row: SubscriptionRow) =>
    store.transaction(async (tx, signal) => {
      // Other replicas keep their own copy of the list: tell them to reload it.
      signal({ kind: 'subscriptions' });
      if ((await tx.subscriptions.countForRunner(row.runner)) >= MAX_SUBSCRIPTIONS_PER_RUNNER) {
        throw new ValidationError(`runner "${row.runner}" already has ${MAX_SUBSCRIPTIONS_PER_RUNNER} subscriptions`);
      }
      await tx.subscriptions.insert(row);
    });

  const planner: EventPlanner = async (event, owner) => {
    const subs = await current();
    if (subs.length === 0 || NOT_DELIVERED.has(event.type)) return [];
    const wanted = subs.filter((s) => s.types === null || s.types.includes(event.type));
    if (wanted.length === 0) return [];
    const who = await owner();
    if (!who) return [];
    const jobs: NewJob[] = [];
    for (const s of wanted) {
      if (s.runner !== who.runner || (s.project !== null && s.project !== who.project)) continue;
      jobs.push({
        kind: EVENT_DELIVERY_KIND,
        tokenId: event.tokenId,
        // Per subscription and token: a token's events reach a receiver in order, other tokens' never wait.
        lane: `event:${s.id}:${event.tokenId}`,
        gate: Gate.webhook(s.url),
        payload: { subscription_id: s.id, url: s.url, event: appendedToFeedEvent(event, who) },
      });
    }
    return jobs;
  };

  return {
    planner,

    /** Forget the cache: another process or request changed the table. */
    invalidate(): void {
      cache = undefined;
    },

    async get(id: string): Promise<Subscription | undefined> {
      return (await current()).find((s) => s.id === id);
    },

    /** A runner's own subscriptions; the admin's view holds every runner's. */
    async list(actor: Actor): Promise<Subscription[]> {
      return (await current()).filter((s) => actor.admin || s.runner === actor.runner);
    },

    /** Registers a subscription for the actor's runner; the URL must pass the runner's webhook rules (400). */
    async create(actor: Actor, body: unknown): Promise<Subscription> {
      if (actor.admin) {
        throw new ForbiddenError(
          "subscriptions belong to a runner (deliveries are signed with its secret): use the runner's token",
        );
      }
      const input = parseOrThrow(SubscriptionInput, body, 'the body');
      const refused = checkWebhookUrl(runnerRules(config, actor.runner), input.url);
      if (refused !== undefined) {
        throw new ValidationError(`the subscription URL is not allowed for runner "${actor.runner}"`, [
          { path: 'url', message: refused },
        ]);
      }
      const row: SubscriptionRow = {
        id: `sub-${randomBytes(6).toString('hex')}`,
        runner: actor.runner,
        url: input.url,
        types: input.types === undefined ? null : JSON.stringify([...new Set(input.types)]),
        project: input.project ?? null,
        created_ms: clock.now(),
      };
      await insert(row);
      cache = undefined;
      return rowToSubscription(row);
    },

    /** Deletes one of the actor's API subscriptions (404 for another runner's, 403 for a config-file one). */
    async remove(actor: Actor, id: string): Promise<void> {
      const sub = (await current()).find((s) => s.id === id);
      if (!sub || (!actor.admin && sub.runner !== actor.runner))
        throw new NotFoundError(`no subscription with id ${id}`);
      if (sub.source === 'config') {
        throw new ForbiddenError(`subscription ${id} comes from the config file (runners.${sub.runner}.subscriptions)`);
      }
      await store.transaction(async (tx, signal) => {
        signal({ kind: 'subscriptions' });
        await tx.subscriptions.remove(id);
      });
      cache = undefined;
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
