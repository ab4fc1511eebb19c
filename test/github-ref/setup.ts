import { createHmac } from 'node:crypto';
import type { Config } from '../../src/config.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import type { TestBridge } from '../helpers/bridge.js';
import { startFollowupBridge } from '../helpers/followups.js';

export const SECRET = 'webhook-secret-0123456789abcdef';
export const REPO = 'acme/web';
export const A = 'a'.repeat(40);
export const B = 'b'.repeat(40);
export const C = 'c'.repeat(40);

/** A bridge with fake Slack and GitHub; the webhook secret set unless `webhook: false`, polling as asked. */
export function startRefBridge(options: { webhook?: boolean; poll?: boolean; rateLimit?: number } = {}) {
  const githubRefs: Config['githubRefs'] = {
    webhookSecret: options.webhook === false ? undefined : SECRET,
    poll: options.poll ?? false,
    pollIntervalMs: 60_000,
  };
  return startFollowupBridge({ config: { githubRefs } });
}

/** GitHub's `X-Hub-Signature-256` of a body, computed here (not by the code under test). */
export const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Delivers a webhook as GitHub does: JSON body, event name, delivery id, signature (overridable). */
export function deliver(
  t: Pick<TestBridge, 'call'>,
  event: string,
  payload: unknown,
  options: { signature?: string | null; contentType?: string; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(payload);
  const signature = options.signature === undefined ? sign(body) : options.signature;
  return t.call('POST', '/github/webhook', {
    token: null,
    rawBody: body,
    headers: {
      'content-type': options.contentType ?? 'application/json',
      'x-github-event': event,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
  });
}

/** A push of `main` (or `ref`) from `before` to `after`, trimmed to what GitHub always sends. */
export const push = (after: string, before = A, ref = 'refs/heads/main', repo = 'Acme/Web') => ({
  ref,
  before,
  after,
  created: false,
  deleted: false,
  forced: false,
  repository: { id: 1296269, full_name: repo, name: repo.split('/')[1] },
  pusher: { name: 'octocat' },
  commits: [],
});

interface ButtonJson {
  type: string;
  action_id?: string;
  value?: string;
  text?: { text?: string };
  confirm?: { title?: { text?: string }; text?: { text?: string }; confirm?: { text?: string } };
}

/** The option buttons of a card (action ids `rodizio.option.<i>`). */
export function optionButtons(message: SlackMessage | undefined): ButtonJson[] {
  const blocks = (message?.blocks ?? []) as { type: string; elements?: ButtonJson[] }[];
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.action_id?.startsWith('rodizio.option.'));
}

/** The mrkdwn of the card's github_ref line. */
export function refLine(message: SlackMessage | undefined): string | undefined {
  const blocks = (message?.blocks ?? []) as { block_id?: string; text?: { text?: string } }[];
  return blocks.find((b) => b.block_id?.startsWith('rodizio.ref.'))?.text?.text;
}
