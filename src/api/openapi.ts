import { z } from 'zod';
import { ReassignBody } from '../domain/reassign.js';
import { Reentry, Token, TokenInput, TokenPatch } from '../domain/token.js';
import { MAX_JSON_DEPTH } from '../json.js';
import { NotifyBody } from '../slack/notice.js';
import { eventFeedOpenApi } from './events-openapi.js';
import { CancelBody, ListQuery, ResolveBody } from './tokens-routes.js';

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const TokenList = z.object({ tokens: z.array(Token), next_cursor: z.string().nullable() });
const Settled = z.object({ token: Token, reentry: Reentry });
const Reassigned = z.object({ changed: z.boolean(), token: Token });
const NotifyQueued = z.object({
  queued: z.literal(true),
  channel: z.string().nullable(),
  token_id: z.string().nullable(),
});

function schema(s: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
/** The error answers of an API route: `codes`, and the 503 any route that reads the database may give. */
const errors = (...codes: number[]) =>
  Object.fromEntries([...codes, 503].map((c) => [String(c), { description: STATUS_TEXT[c], ...json('Error') }]));

const STATUS_TEXT: Record<number, string> = {
  400: `Invalid JSON, JSON nesting arrays and objects more than ${MAX_JSON_DEPTH} levels deep (the body itself is level 1), or a field that does not match the schema; \`issues\` names each path`,
  401: 'Missing or unknown bearer token',
  403: 'The token belongs to another runner, or the call needs the admin token',
  404: 'No token with that id',
  409: 'Same id with different content, or the token is no longer pending',
  413: 'Body larger than 1 MiB',
  415: 'Body is not application/json',
  503: '`unavailable`: the database cannot be reached right now (Postgres down or restarting); retry after `Retry-After` seconds',
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The OpenAPI 3.1 description of the agent API, generated from the same zod schemas that validate requests. */
export function buildOpenApi(version: string) {
  const listParams = Object.entries(schema(ListQuery, 'input').properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'rodizio agent API',
      version,
      description:
        'Agents hand rodizio a semaphore token when they need a person; rodizio returns a reentry once somebody answers. ' +
        'Authenticate with `Authorization: Bearer <runner secret>`. Times without an offset (Python naive datetimes) ' +
        "are the agent's local time: read in the runner's declared time zone (`runners.<name>.timezone`), else at the " +
        'offset a naive `created_at` shows against the arrival time (30 min to 14 h, whole quarter hours, ±2 min), ' +
        "else as UTC; what was assumed is the token's `time_offset`. Times are returned exactly as sent.",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        TokenInput: schema(TokenInput, 'input'),
        TokenPatch: schema(TokenPatch, 'input'),
        Token: schema(Token, 'output'),
        TokenList: schema(TokenList, 'output'),
        Reentry: schema(Reentry, 'output'),
        ResolveBody: schema(ResolveBody, 'input'),
        CancelBody: schema(CancelBody, 'input'),
        Settled: schema(Settled, 'output'),
        ReassignBody: schema(ReassignBody, 'input'),
        Reassigned: schema(Reassigned, 'output'),
        NotifyBody: schema(NotifyBody, 'input'),
        NotifyQueued: schema(NotifyQueued, 'output'),
        Error: schema(ErrorBody, 'output'),
        ...eventFeedOpenApi().schemas,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          summary: 'Readiness and store health',
          security: [],
          responses: {
            '200': { description: 'Serving' },
            '503': { description: 'Starting (Slack not served yet), or the store cannot be read' },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text format); needs the bearer RODIZIO_METRICS_TOKEN when that is set',
          security: [],
          responses: {
            '200': {
              description: 'Prometheus text exposition',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errors(401),
          },
        },
      },
      '/v1/tokens': {
        post: {
          summary: 'Hand rodizio a semaphore token (idempotent on id)',
          requestBody: { required: true, ...json('TokenInput') },
          responses: {
            '201': { description: 'Stored', ...json('Token') },
            '200': { description: 'Same id and content as a stored token: the stored token', ...json('Token') },
            ...errors(400, 401, 403, 409, 413, 415),
          },
        },
        get: {
          summary: 'List tokens, newest first',
          parameters: listParams,
          responses: { '200': { description: 'A page of tokens', ...json('TokenList') }, ...errors(400, 401, 403) },
        },
      },
      '/v1/tokens/{id}': {
        get: {
          summary: 'Read one token: the 14 interoperable keys plus extensions and state',
          parameters: [idParam],
          responses: { '200': { description: 'The token', ...json('Token') }, ...errors(401, 403, 404) },
        },
        patch: {
          summary:
            "Change a pending token's deadline, escalation, severity, prompt or options (its runner or the admin token)",
          description:
            'One transaction: the change, a `patched` audit event with old and new values, and a card update. A naive ' +
            'deadline is read with the same time-zone rule as at create. A changed deadline re-arms the "deadline soon" ' +
            'warning; a token already escalated stays escalated. New options must keep every destructive option and ' +
            'the `resolve:<option>` of the expiry policy. Values equal to the stored ones change nothing.',
          parameters: [idParam],
          requestBody: { required: true, ...json('TokenPatch') },
          responses: {
            '200': { description: 'The token as changed', ...json('Token') },
            ...errors(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      '/v1/tokens/{id}/cancel': {
        post: {
          summary: 'Cancel a pending token',
          parameters: [idParam],
          requestBody: { required: false, ...json('CancelBody') },
          responses: {
            '200': { description: 'Cancelled', ...json('Settled') },
            ...errors(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      '/v1/tokens/{id}/reassign': {
        post: {
          summary: 'Route a pending token to another person, user group or channel (its runner or the admin token)',
          description:
            'Give exactly one of `to.user` (U…), `to.group` (S…) or `to.channel` (C…). A person or group becomes the ' +
            "token's answerers; the card is re-rendered and the new assignee mentioned in its thread. A channel moves " +
            'the card: the old card says where it went, a new card is posted there (anyone in it may answer) and its ' +
            "thread links the old one. Reminders and the 24-hour clock carry on from the token's arrival. One " +
            'transaction with a `reassigned` audit event `{from: {answerers, channel}, to: {answerers, channel}, ' +
            'target, by, note, via}`. The same target again changes nothing (`changed: false`).',
          parameters: [idParam],
          requestBody: { required: true, ...json('ReassignBody') },
          responses: {
            '200': { description: 'Reassigned (or already there)', ...json('Reassigned') },
            ...errors(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      '/v1/tokens/{id}/resolve': {
        post: {
          summary: 'Answer a token (admin token only); the first answer wins',
          parameters: [idParam],
          requestBody: { required: true, ...json('ResolveBody') },
          responses: {
            '200': { description: 'Resolved by this call', ...json('Settled') },
            ...errors(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      '/v1/tokens/{id}/reentry': {
        get: {
          summary: 'Long-poll for the reentry',
          parameters: [
            idParam,
            { name: 'wait', in: 'query', required: false, schema: { type: 'number', minimum: 0, maximum: 60 } },
          ],
          responses: {
            '200': { description: 'The token left pending: its reentry', ...json('Reentry') },
            '204': { description: 'Still pending when the wait ended' },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/v1/tokens/{id}/events': {
        get: {
          summary: "The token's audit trail",
          parameters: [idParam],
          responses: { '200': { description: 'Events, oldest first' }, ...errors(401, 403, 404) },
        },
      },
      '/v1/notify': {
        post: {
          summary: "Post a message for people without waiting (a channel, or a token's card thread)",
          requestBody: { required: true, ...json('NotifyBody') },
          responses: {
            '202': {
              description: 'Queued: posted once Slack takes it, with the same pacing and retries as cards',
              ...json('NotifyQueued'),
            },
            ...errors(400, 401, 403, 404, 409, 413, 415),
            '503': {
              description: `Slack is off on this bridge, or there is no channel to post in; or ${STATUS_TEXT[503]}`,
              ...json('Error'),
            },
          },
        },
      },
      ...eventFeedOpenApi().paths,
    },
  };
}
