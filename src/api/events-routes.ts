import { z } from 'zod';
import { Cursor, EventTypeName } from '../events/event.js';
import type { EventFeed } from '../events/feed.js';
import type { Subscriptions } from '../events/subscriptions.js';
import type { Actor } from '../purgatory.js';
import type { FeedFilter } from '../store/event-feed.js';
import { parseOrThrow } from '../validation.js';
import type { Authenticator } from './auth.js';
import { readJsonBody } from './http.js';
import type { Router } from './router.js';
import { type StreamOptions, streamEvents } from './sse.js';

/** `types=a,b`: each a well-formed event type name. */
const TypeList = z
  .string()
  .max(2000)
  .transform((text) => text.split(',').map((t) => t.trim()))
  .pipe(z.array(EventTypeName).min(1).max(100));

const FeedFilterQuery = {
  since: Cursor.optional(),
  types: TypeList.optional(),
  project: z.string().min(1).max(100).optional(),
  token: z.string().min(1).max(200).optional(),
};

export const EventPageQuery = z.strictObject({
  ...FeedFilterQuery,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const EventStreamQuery = z.strictObject(FeedFilterQuery);

export interface EventRoutesDeps {
  feed: EventFeed;
  subscriptions: Subscriptions;
  auth: Authenticator;
  stream?: StreamOptions;
}

/** A runner reads its own tokens' events; the admin every event, store events (gc) included. */
function filterFor(actor: Actor, q: { types?: string[]; project?: string; token?: string }): FeedFilter {
  return {
    runner: actor.admin ? undefined : actor.runner,
    types: q.types,
    project: q.project,
    tokenId: q.token,
  };
}

/** The event feed (`/v1/events`, `/v1/events/stream`) and webhook subscriptions (`/v1/subscriptions`). */
export function registerEventRoutes(router: Router, { feed, subscriptions, auth, stream }: EventRoutesDeps): void {
  router
    .add('GET', '/v1/events', async ({ req, query }) => {
      const actor = auth.authenticate(req);
      const q = parseOrThrow(EventPageQuery, Object.fromEntries(query), 'the query');
      return { status: 200, body: await feed.page(Number(q.since ?? 0), q.limit, filterFor(actor, q)) };
    })
    .add('GET', '/v1/events/stream', async ({ req, res, query, log }) => {
      const actor = auth.authenticate(req);
      const q = parseOrThrow(EventStreamQuery, Object.fromEntries(query), 'the query');
      // A reconnecting EventSource keeps its URL (and `since`) and sends the last id it saw: the header wins.
      const header = req.headers['last-event-id'];
      const resume =
        header === undefined ? undefined : parseOrThrow(Cursor, String(header).trim(), 'the Last-Event-ID header');
      const from = resume ?? q.since;
      // Without a cursor the stream starts at the end of the log: only what happens from now on.
      const since = from === undefined ? await feed.store.head() : Number(from);
      await streamEvents(res, { feed, filter: filterFor(actor, q), since, logger: log, options: stream });
      return { status: 200 };
    })
    .add('GET', '/v1/subscriptions', async ({ req }) => {
      const actor = auth.authenticate(req);
      return { status: 200, body: { subscriptions: await subscriptions.list(actor) } };
    })
    .add('POST', '/v1/subscriptions', async ({ req }) => {
      const actor = auth.authenticate(req);
      const sub = await subscriptions.create(actor, await readJsonBody(req));
      return { status: 201, body: sub, headers: { location: `/v1/subscriptions/${sub.id}` } };
    })
    .add('DELETE', '/v1/subscriptions/:id', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      await subscriptions.remove(actor, params.id as string);
      return { status: 204 };
    });
}
