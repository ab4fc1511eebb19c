import { z } from 'zod';
import { TokenStatus } from '../domain/token.js';
import { NotFoundError, NotPendingError } from '../errors.js';
import type { Purgatory, SettleResult } from '../purgatory.js';
import { parseOrThrow } from '../validation.js';
import type { ReentryWaiters } from '../waiters.js';
import { type Authenticator, assertAdmin, assertOwner } from './auth.js';
import { type HttpResponse, readJsonBody } from './http.js';
import type { Router } from './router.js';

export const ListQuery = z.strictObject({
  status: TokenStatus.optional(),
  project: z.string().min(1).max(100).optional(),
  runner: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/, 'use next_cursor from a previous page').optional(),
});

export const ResolveBody = z.strictObject({
  human_input: z.json({ error: 'human_input is required: the option chosen, the text typed, or an object' }),
  by: z.string().min(1).max(100),
  by_name: z.string().min(1).max(100).optional(),
});

export const CancelBody = z
  .strictObject({
    reason: z.string().max(500).optional(),
  })
  .default({});

export const ReentryQuery = z.strictObject({
  wait: z.coerce.number().min(0).max(60, 'wait is at most 60 seconds').default(0),
});

export interface TokenRoutesDeps {
  purgatory: Purgatory;
  waiters: ReentryWaiters;
  auth: Authenticator;
}

/** 200 with the token and reentry; a token that already left pending is a NotPendingError (409 with what was recorded). */
function settled(result: SettleResult, verb: string): HttpResponse {
  const { token, reentry } = result;
  if (!result.changed) throw new NotPendingError(token.id, token.status, { token, reentry }, verb);
  return { status: 200, body: { token, reentry } };
}

/** The agent API: `/v1/tokens…`. */
export function registerTokenRoutes(router: Router, { purgatory, waiters, auth }: TokenRoutesDeps): void {
  router
    .add('POST', '/v1/tokens', async ({ req }) => {
      const actor = auth.authenticate(req);
      const body = await readJsonBody(req);
      const { token, created } = await purgatory.createQueued(body, actor);
      return created
        ? { status: 201, body: token, headers: { location: `/v1/tokens/${encodeURIComponent(token.id)}` } }
        : { status: 200, body: token };
    })
    .add('GET', '/v1/tokens', async ({ req, query }) => {
      const actor = auth.authenticate(req);
      const q = parseOrThrow(ListQuery, Object.fromEntries(query), 'the query');
      if (q.runner !== undefined && !actor.admin && q.runner !== actor.runner) {
        assertAdmin(actor, "list another runner's tokens");
      }
      return { status: 200, body: await purgatory.list({ ...q, runner: actor.admin ? q.runner : actor.runner }) };
    })
    .add('GET', '/v1/tokens/:id', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      const token = await purgatory.get(params.id as string);
      assertOwner(actor, token);
      return { status: 200, body: token };
    })
    .add('PATCH', '/v1/tokens/:id', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      const token = await purgatory.get(params.id as string);
      assertOwner(actor, token);
      // As for cancel: 404 and 403 before the body is looked at; `patch` checks it (400) and the status (409).
      const result = await purgatory.patch(token.id, await readJsonBody(req), actor);
      return { status: 200, body: result.token };
    })
    .add('POST', '/v1/tokens/:id/reassign', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      const token = await purgatory.get(params.id as string);
      assertOwner(actor, token);
      // As for patch: 404 and 403 before the body is looked at; `reassign` checks it (400) and the status (409).
      const result = await purgatory.reassign(token.id, await readJsonBody(req), { ...actor, via: 'api' });
      return { status: 200, body: { changed: result.changed, token: result.token } };
    })
    .add('GET', '/v1/tokens/:id/events', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      const token = await purgatory.get(params.id as string);
      assertOwner(actor, token);
      return { status: 200, body: { events: await purgatory.history(token.id) } };
    })
    .add('POST', '/v1/tokens/:id/cancel', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      const token = await purgatory.get(params.id as string);
      assertOwner(actor, token);
      const body = parseOrThrow(CancelBody, await readJsonBody(req), 'the body');
      return settled(
        await purgatory.cancel(token.id, { actor: actor.runner, via: 'api', reason: body.reason }),
        'cancel',
      );
    })
    .add('POST', '/v1/tokens/:id/resolve', async ({ req, params }) => {
      const actor = auth.authenticate(req);
      assertAdmin(actor, 'resolve tokens through the API');
      const id = params.id as string;
      if (!(await purgatory.find(id))) throw new NotFoundError(`no token with id ${id}`);
      const body = parseOrThrow(ResolveBody, await readJsonBody(req), 'the body');
      return settled(
        await purgatory.resolve(id, {
          humanInput: body.human_input,
          by: body.by,
          byName: body.by_name ?? null,
          via: 'api',
        }),
        'resolve',
      );
    })
    .add('GET', '/v1/tokens/:id/reentry', async ({ req, params, query, signal }) => {
      const actor = auth.authenticate(req);
      const q = parseOrThrow(ReentryQuery, Object.fromEntries(query), 'the query');
      // One read for the owner check and the first look; NotFoundError for an unknown id.
      const reentry = await waiters.wait(params.id as string, q.wait * 1000, signal, (token) =>
        assertOwner(actor, token),
      );
      return reentry ? { status: 200, body: reentry } : { status: 204 };
    });
}
