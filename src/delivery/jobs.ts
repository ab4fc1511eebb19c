import { constants } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { Delivery, type Reentry } from '../domain/token.js';
import { PermanentJobError, RetryLater } from '../outbox/job-errors.js';
import { defineJob, type JobKind, type RetryPolicy } from '../outbox/worker.js';
import type { Deliverable, Purgatory } from '../purgatory.js';
import { sendSignedWebhook } from './signed-webhook.js';
import { checkDeliveryTarget, runnerRules, webhookPolicy } from './targets.js';
import { type Tmux, TmuxSessionMissingError } from './tmux.js';

/**
 * Exponential backoff with jitter, capped at an hour, for about a day (30 attempts) before a delivery is
 * marked dead; `rodizio redeliver` starts again.
 */
export const DELIVERY_RETRY: RetryPolicy = { maxAttempts: 30, baseMs: 5000, maxMs: 60 * 60_000 };

export interface DeliveryDeps {
  purgatory: Purgatory;
  config: Config;
  clock: Clock;
  tmux: Tmux;
  /** Per-request timeout for webhooks. */
  timeoutMs?: number;
  /** Says something once in the token's Slack thread (a no-op without Slack). */
  note(tokenId: string, key: string, text: string): Promise<void>;
}

/** Every delivery job carries its target, parsed again when the job runs. */
const DeliveryPayload = z.object({ target: Delivery });
type DeliveryPayload = z.infer<typeof DeliveryPayload>;

/** The text typed into an agent's tmux session for a reentry. */
export function reentryText(r: Reentry): string {
  const who = r.answered_by_name ?? r.answered_by ?? 'rodizio';
  const answer = typeof r.human_input === 'string' ? r.human_input : JSON.stringify(r.human_input);
  if (r.outcome === 'expired') return `No answer for ${r.token_id} before its deadline (expired).`;
  if (r.outcome === 'cancelled') return `The question ${r.token_id} was cancelled by ${who}.`;
  return `Human answer from ${who} for ${r.token_id}:\n\n${answer}`;
}

/** `ISO-time<TAB>sender<TAB>body`, the older reply-file convention; tabs and newlines in the body are escaped. */
export function replyLine(r: Reentry): string {
  const body = (typeof r.human_input === 'string' ? r.human_input : JSON.stringify(r.human_input ?? r.outcome))
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\r?\n/g, '\\n');
  const sender = (r.answered_by_name ?? r.answered_by ?? 'rodizio').replace(/[\t\n]/g, ' ');
  return `${r.answered_at}\t${sender}\t${body}\n`;
}

/**
 * Outbox job kinds that hand a reentry back to its agent: a signed webhook, a tmux session, a JSON file, or
 * a line in a reply file. Delivery is at least once; receivers dedupe on `token_id`.
 */
export function createDeliveryJobs(deps: DeliveryDeps): Record<string, JobKind> {
  const { purgatory, config, clock, tmux } = deps;

  const deliverable = (tokenId: string | null) => (tokenId ? purgatory.deliverable(tokenId) : undefined);
  const targetOf = (payload: DeliveryPayload) => payload.target;
  /**
   * Local targets are checked again just before writing: rules may have tightened since the token was created, and
   * a symlink swapped in afterwards must not carry the write outside the runner's folders.
   */
  const recheck = (runner: string, target: Delivery): void => {
    const refusal = checkDeliveryTarget(runnerRules(config, runner), target);
    if (refusal) throw new PermanentJobError(`${refusal.field}: ${refusal.reason}`);
  };

  return {
    'deliver.webhook': defineJob({
      payload: DeliveryPayload,
      retry: DELIVERY_RETRY,
      // A backlog of deliveries reads its tokens a claim at a time instead of one read each: a closed token's
      // reentry does not change between its claim and its delivery.
      async prefetch(jobs) {
        const found = await purgatory.deliverables(jobs.flatMap((j) => (j.token_id ? [j.token_id] : [])));
        return new Map(jobs.map((j) => [j.id, j.token_id ? found.get(j.token_id) : undefined]));
      },
      async handle({ job, payload, logger, prefetched }) {
        const found = prefetched ? (prefetched.value as Deliverable | undefined) : await deliverable(job.token_id);
        if (!found) return logger.info('token is gone; nothing to deliver');
        const { runner, reentry } = found;
        const target = targetOf(payload);
        if (target.type !== 'webhook') throw new PermanentJobError('not a webhook target');
        const secret = config.apiTokens.get(runner);
        if (!secret) throw new PermanentJobError(`runner "${runner}" has no secret in RODIZIO_API_TOKENS to sign with`);
        const outcome = await sendSignedWebhook({
          url: target.url,
          secret,
          body: JSON.stringify(reentry),
          headers: { 'x-rodizio-token-id': reentry.token_id },
          // The runner's rules as they are now, and the addresses judged as the socket connects (targets.ts).
          policy: webhookPolicy(config, runner, target.url),
          timeoutMs: deps.timeoutMs ?? 10_000,
        });
        if (outcome === 'gave_up') {
          logger.warn({ url: target.url }, 'webhook receiver answered 410: it gave up on this reentry');
          return;
        }
        logger.info('reentry delivered by webhook');
      },
    }),

    'deliver.tmux': defineJob({
      payload: DeliveryPayload,
      retry: DELIVERY_RETRY,
      async handle({ job, payload, attempt }) {
        const found = await deliverable(job.token_id);
        if (!found) return;
        const { runner, reentry } = found;
        const target = targetOf(payload);
        if (target.type !== 'tmux') throw new PermanentJobError('not a tmux target');
        recheck(runner, target);
        try {
          await tmux.inject(target.session, reentryText(reentry));
        } catch (err) {
          if (!(err instanceof TmuxSessionMissingError)) throw err;
          await deps.note(
            reentry.token_id,
            'tmux_missing',
            `📨 The answer is queued: tmux session \`${target.session}\` does not exist yet. rodizio keeps trying (about a day).`,
          );
          throw new RetryLater(Math.min(60_000 * attempt, 15 * 60_000), err.message, { countsAsAttempt: true });
        }
      },
    }),

    'deliver.file': defineJob({
      payload: DeliveryPayload,
      retry: DELIVERY_RETRY,
      async handle({ job, payload }) {
        const found = await deliverable(job.token_id);
        if (!found) return;
        const { runner, reentry } = found;
        const target = targetOf(payload);
        if (target.type !== 'file') throw new PermanentJobError('not a file target');
        recheck(runner, target);
        await mkdir(target.dir, { recursive: true });
        const file = join(target.dir, `${reentry.token_id}.json`);
        const temp = join(target.dir, `.${reentry.token_id}.${process.pid}.${clock.now()}.tmp`);
        await writeFile(temp, `${JSON.stringify(reentry, null, 2)}\n`, { mode: 0o600 });
        await rename(temp, file); // atomic: a reader sees the old file or the whole new one
      },
    }),

    'deliver.reply_file': defineJob({
      payload: DeliveryPayload,
      retry: DELIVERY_RETRY,
      async handle({ job, payload }) {
        const found = await deliverable(job.token_id);
        if (!found) return;
        const { runner, reentry } = found;
        const target = targetOf(payload);
        if (target.type !== 'reply_file') throw new PermanentJobError('not a reply-file target');
        recheck(runner, target);
        await mkdir(dirname(target.path), { recursive: true });
        // O_NOFOLLOW: a symlink put in place of the reply file is refused rather than followed.
        const handle = await open(
          target.path,
          constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          await handle.appendFile(replyLine(reentry));
        } finally {
          await handle.close();
        }
      },
    }),
  };
}
