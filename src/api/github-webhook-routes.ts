import type { IncomingMessage } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import { CommitSha, refKey } from '../domain/github-ref.js';
import { InvalidSignatureError, UnsupportedMediaTypeError } from '../errors.js';
import type { RefMover } from '../github/refs.js';
import { parseJsonText } from '../json.js';
import { parseOrThrow } from '../validation.js';
import { readBody } from './http.js';
import type { Router } from './router.js';

/** GitHub sends up to 25 MB; a push of many commits can pass the API's 1 MiB, so webhooks get 5 MiB. */
export const GITHUB_WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

const Repository = z.object({ full_name: z.string().min(3).max(201) });

/** The keys of a `push` delivery rodizio reads; the rest of the payload is ignored. */
const PushPayload = z.object({
  ref: z.string().min(1),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: Repository,
});

/** The keys of a `pull_request` delivery rodizio reads. */
const PullRequestPayload = z.object({
  action: z.string(),
  number: z.int().positive(),
  pull_request: z.object({ head: z.object({ sha: CommitSha }) }),
  repository: Repository,
});

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * `POST /github/webhook` (when GITHUB_WEBHOOK_SECRET is set): GitHub tells rodizio a branch or pull request moved.
 * The `X-Hub-Signature-256` HMAC of the raw body is checked with @octokit/webhooks before anything is read
 * (401 otherwise, nothing changed). `push` moves the branch to `after`; `pull_request` `synchronize` moves the
 * pull request's head; `ping` answers 200; other events and actions are acknowledged (202) and ignored.
 */
export function registerGithubWebhookRoutes(
  router: Router,
  deps: { secret: string; move: RefMover; maxBodyBytes?: number },
): void {
  const webhooks = new Webhooks({ secret: deps.secret });

  router.add('POST', '/github/webhook', async ({ req, log }) => {
    const raw = await readBody(req, deps.maxBodyBytes ?? GITHUB_WEBHOOK_MAX_BYTES);
    const signature = header(req, 'x-hub-signature-256');
    if (!signature)
      throw new InvalidSignatureError('missing X-Hub-Signature-256: is the webhook secret set on GitHub?');
    const text = raw.toString('utf8');
    const valid = text.length > 0 && (await webhooks.verify(text, signature).catch(() => false));
    if (!valid) throw new InvalidSignatureError('the X-Hub-Signature-256 does not match GITHUB_WEBHOOK_SECRET');
    const type = header(req, 'content-type');
    if (!type || !/^application\/json\s*(?:;|$)/i.test(type)) {
      const err = new UnsupportedMediaTypeError(type);
      err.message = `${err.message}: set the webhook's content type to application/json on GitHub`;
      throw err;
    }
    const event = header(req, 'x-github-event') ?? '';
    const body = parseJsonText(text, 'the webhook payload');
    const delivery = header(req, 'x-github-delivery');
    if (event === 'ping') return { status: 200, body: { ok: true } };
    if (event === 'push') {
      const push = parseOrThrow(PushPayload, body, 'the push payload');
      if (push.deleted || /^0+$/.test(push.after) || !push.ref.startsWith('refs/heads/')) {
        return { status: 202, body: { ignored: `${push.ref} was deleted or is not a branch` } };
      }
      const after = parseOrThrow(CommitSha, push.after, 'the push payload after');
      const moved = await deps.move(refKey({ repo: push.repository.full_name, ref: push.ref }), after, 'webhook');
      log.info({ delivery, event, ref: push.ref, moved }, 'GitHub push');
      return { status: 200, body: { moved } };
    }
    if (event === 'pull_request') {
      const action = z.object({ action: z.string() }).safeParse(body);
      if (!action.success || action.data.action !== 'synchronize') {
        return { status: 202, body: { ignored: `pull_request ${action.data?.action ?? ''} does not move the head` } };
      }
      const pr = parseOrThrow(PullRequestPayload, body, 'the pull_request payload');
      const key = refKey({ repo: pr.repository.full_name, ref: `pull/${pr.number}` });
      const moved = await deps.move(key, pr.pull_request.head.sha, 'webhook');
      log.info({ delivery, event, pull: pr.number, moved }, 'GitHub pull request synchronized');
      return { status: 200, body: { moved } };
    }
    return { status: 202, body: { ignored: `event ${event || '(none)'} is not watched` } };
  });
}
