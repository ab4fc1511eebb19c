import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Token } from '../domain/token.js';
import type { FollowupRules } from '../followups/rules.js';
import type { Forge } from '../forge/forge.js';
import { PermanentJobError } from '../outbox/job-errors.js';
import { defineJob, type JobKind, type RetryPolicy } from '../outbox/worker.js';
import type { Purgatory } from '../purgatory.js';
import { blockedComment, parseIssueRef, unblockedComment } from './comments.js';
import { classifyGitHubError, describeGitHubError, isPermanentGitHubError } from './errors.js';

/** GitHub calls retry (5xx, rate limits) for about an hour before a job is marked dead. */
export const GITHUB_RETRY: RetryPolicy = { maxAttempts: 12, baseMs: 5000, maxMs: 15 * 60_000 };

export interface GitHubJobDeps {
  /** GitHub or Forgejo/Gitea (FORGE): the jobs are the same. */
  forge: Forge;
  purgatory: Purgatory;
  rules: FollowupRules;
  clock: Clock;
  /** The Slack permalink of a token's card, when Slack is on. */
  permalink(token: Token): Promise<string | null>;
  /** The forge login of a Slack user, when known: comments name the answerer by it. */
  loginOf?(slackUser: string): Promise<string | undefined>;
}

/** Every GitHub job names its issue; labels and comments add their own fields. */
const LabelPayload = z.object({ ref: z.string().min(1), label: z.string().min(1) });
const CommentPayload = z.object({
  ref: z.string().min(1),
  template: z.enum(['blocked', 'unblocked']).optional(),
  label: z.string().optional(),
  body: z.string().optional(),
});

function issueOf(payload: { ref: string }) {
  const parsed = parseIssueRef(payload.ref);
  if (!parsed) throw new PermanentJobError(`not an issue reference: ${payload.ref}`);
  return parsed;
}

/**
 * Outbox job kinds that call GitHub. Each step is its own job so a retry repeats only what failed: the label
 * is created only when missing and added idempotently; a comment is posted once. A refusal that retrying
 * cannot fix (403, 404, 422) is recorded on the token and told in its Slack thread.
 */
export function createGitHubJobs({
  forge,
  purgatory,
  rules,
  clock,
  permalink,
  loginOf,
}: GitHubJobDeps): Record<string, JobKind> {
  /**
   * Throws what classifyGitHubError throws, after recording a permanent refusal on the token. The record is
   * awaited here (classifyGitHubError's `onPermanent` is synchronous), so it is committed before the job ends.
   */
  const refuse = async (tokenId: string | null, err: unknown): Promise<never> => {
    if (tokenId && isPermanentGitHubError(err)) await rules.recordGithubError(tokenId, describeGitHubError(err));
    return classifyGitHubError(err, () => {});
  };

  return {
    'github.label': defineJob({
      payload: LabelPayload,
      retry: GITHUB_RETRY,
      async handle({ job, payload }) {
        try {
          await forge.addLabel(issueOf(payload), payload.label);
        } catch (err) {
          await refuse(job.token_id, err);
        }
      },
    }),

    'github.unlabel': defineJob({
      payload: LabelPayload,
      retry: GITHUB_RETRY,
      async handle({ job, payload }) {
        try {
          await forge.removeLabel(issueOf(payload), payload.label); // a label already gone is no error
        } catch (err) {
          await refuse(job.token_id, err);
        }
        if (job.token_id) await rules.recordUnblocked(job.token_id);
      },
    }),

    'github.comment': defineJob({
      payload: CommentPayload,
      retry: GITHUB_RETRY,
      async handle({ job, payload }) {
        const issue = issueOf(payload);
        let body = payload.body;
        if (!body) {
          const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
          if (!token) return;
          body =
            payload.template === 'unblocked'
              ? unblockedComment(token, token.answered_by ? await loginOf?.(token.answered_by) : undefined)
              : blockedComment(token, {
                  nowMs: clock.now(),
                  permalink: await permalink(token),
                  label: payload.label ?? 'blocked',
                });
        }
        try {
          await forge.comment(issue, body);
        } catch (err) {
          await refuse(job.token_id, err);
        }
      },
    }),
  };
}
