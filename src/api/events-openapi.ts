import { z } from 'zod';
import { EVENT_TYPES, FeedEvent, SubscriptionDelivery, SubscriptionInput } from '../events/event.js';
import { Subscription, SubscriptionList } from '../events/subscriptions.js';
import { EventPageQuery } from './events-routes.js';

const EventPage = z.object({ events: z.array(FeedEvent), next_cursor: z.string(), has_more: z.boolean() });

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => ({ description, ...json('Error') });

/** The event table as Markdown, for the OpenAPI description (the README carries the same table). */
export function eventTable(): string {
  return [
    '| type | when | data |',
    '|---|---|---|',
    ...EVENT_TYPES.map((e) => `| \`${e.name}\` | ${e.when} | ${e.data} |`),
  ].join('\n');
}

/** The feed's and subscriptions' part of the OpenAPI description: component schemas and paths. */
export function eventFeedOpenApi() {
  const pageParams = Object.entries(schema(EventPageQuery, 'input').properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
  const streamParams = pageParams.filter((p) => p.name !== 'limit');
  const errs = {
    '400': error('A bad cursor, type name, limit or unknown parameter'),
    '401': error('Missing or unknown bearer token'),
  };
  return {
    schemas: {
      FeedEvent: schema(FeedEvent, 'output'),
      EventPage: schema(EventPage, 'output'),
      SubscriptionInput: schema(SubscriptionInput, 'input'),
      Subscription: schema(Subscription, 'output'),
      SubscriptionList: schema(SubscriptionList, 'output'),
      SubscriptionDelivery: schema(SubscriptionDelivery, 'output'),
    },
    paths: {
      '/v1/events': {
        get: {
          summary: "Audit events, oldest first, after a cursor: a runner sees its own tokens' events, the admin all",
          description: `Each event's \`id\` is its cursor; pass \`next_cursor\` as \`since\` for the next page (without \`since\`: from the start). Store events (no token) are shown to the admin only. Event types:\n\n${eventTable()}`,
          parameters: pageParams,
          responses: { '200': { description: 'A page of events', ...json('EventPage') }, ...errs },
        },
      },
      '/v1/events/stream': {
        get: {
          summary: 'The same events live, as server-sent events',
          description:
            'Frames are `id: <cursor>`, `event: <type>`, `data: <FeedEvent JSON>`. Resume with the `Last-Event-ID` header ' +
            '(it wins over `since`); without either the stream starts at the end of the log and its first frame carries ' +
            'that position as an `id:` without data. A `: heartbeat` comment comes every 15 s. A client that reads ' +
            'nothing while over 1 MiB waits for it for 10 s is dropped: the last frame is `event: error` with ' +
            '`{"reason":"slow_client","message","last_event_id"}`; reconnect with Last-Event-ID to continue.',
          parameters: [
            ...streamParams,
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d+$' } },
          ],
          responses: {
            '200': { description: 'An event stream', content: { 'text/event-stream': { schema: ref('FeedEvent') } } },
            ...errs,
          },
        },
      },
      '/v1/subscriptions': {
        get: {
          summary: "The runner's webhook subscriptions (the admin sees every runner's)",
          responses: { '200': { description: 'Subscriptions', ...json('SubscriptionList') }, '401': errs['401'] },
        },
        post: {
          summary: "Deliver the runner's events of chosen types to a webhook",
          description:
            "The URL must pass the runner's webhook rules (`runners.<name>.allow`), checked now and again at connect time. " +
            'Each event is POSTed as a `SubscriptionDelivery` with `X-Rodizio-Event-Id`, `X-Rodizio-Timestamp` and ' +
            '`X-Rodizio-Signature` (as reentries: HMAC-SHA256 with the runner secret), retried like reentries; dedupe on the event id.',
          requestBody: { required: true, ...json('SubscriptionInput') },
          responses: {
            '201': { description: 'Registered', ...json('Subscription') },
            ...errs,
            '403': error('The admin token cannot own subscriptions'),
            '413': error('Body larger than 1 MiB'),
            '415': error('Body is not application/json'),
          },
        },
      },
      '/v1/subscriptions/{id}': {
        delete: {
          summary: 'Stop a subscription (queued deliveries are dropped)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Deleted' },
            '401': errs['401'],
            '403': error('A config-file subscription'),
            '404': error("No such subscription (or another runner's)"),
          },
        },
      },
    },
  };
}
