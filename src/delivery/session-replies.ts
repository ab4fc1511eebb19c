import { z } from 'zod';
import type { Config } from '../config.js';
import { HostId, type Token } from '../domain/token.js';
import type { JobKind } from '../outbox/worker.js';
import type { Purgatory } from '../purgatory.js';
import { checkDeliveryTarget, runnerRules } from './targets.js';
import type { Tmux } from './tmux.js';

/** The outbox job that types a thread reply into an agent's tmux pane. */
export const SESSION_REPLY_KIND = 'session.reply';

/**
 * Where an agent waiting in a terminal can be typed to: the tmux session and pane (`%12`) it runs in, the pid of
 * the pane's process (pane ids are reused by a later tmux server), and the host (RODIZIO_HOST_ID) whose tmux
 * that is. `rodizio hook claude-code` puts it in `original_event.claude_code.tmux`
 * of its Notification card.
 */
export const SessionTarget = z.object({
  session: z.string().regex(/^[\w.@-]{1,100}$/),
  pane: z.string().regex(/^%\d{1,9}$/),
  pane_pid: z.int().positive(),
  host: HostId.optional(),
});
export type SessionTarget = z.infer<typeof SessionTarget>;

const Carrier = z.object({ claude_code: z.object({ tmux: SessionTarget }) });

/** The terminal a pending card's thread replies are typed into, or undefined for other tokens. */
export function sessionTarget(token: Pick<Token, 'kind' | 'original_event'>): SessionTarget | undefined {
  if (token.kind !== 'semaphore') return undefined;
  const parsed = Carrier.safeParse(token.original_event);
  return parsed.success ? parsed.data.claude_code.tmux : undefined;
}

const SessionReplyPayload = z.object({
  session: z.string().min(1),
  pane: z.string().min(1),
  pane_pid: z.int().positive(),
  text: z.string(),
});
type SessionReplyPayload = z.infer<typeof SessionReplyPayload>;

/**
 * A person's thread reply, on its way to the agent's pane: audited, and queued on the host whose tmux runs the
 * session, whichever replica heard the reply (one lane per session keeps replies in order).
 */
export async function queueSessionReply(
  purgatory: Purgatory,
  token: Token,
  from: { user: string; text: string },
): Promise<void> {
  const target = sessionTarget(token);
  if (!target) return;
  await purgatory.change(async (ctx) => {
    await ctx.event({
      tokenId: token.id,
      type: 'guidance_queued',
      actor: from.user,
      data: { session: target.session, pane: target.pane },
    });
    await ctx.enqueue({
      kind: SESSION_REPLY_KIND,
      tokenId: token.id,
      lane: `tmux:${target.session}`,
      host: target.host ?? null,
      payload: { session: target.session, pane: target.pane, pane_pid: target.pane_pid, text: from.text },
    });
  });
}

export interface SessionReplyJobDeps {
  purgatory: Purgatory;
  config: Pick<Config, 'file' | 'sandbox'>;
  tmux: Tmux;
}

/**
 * Types a queued reply into the pane as a person at the keyboard would (the text as written, then Enter), and
 * says so in the thread. The runner must be allowed the session (`runners.<name>.allow.tmux_sessions`), as for
 * a tmux delivery. A pane that is gone — the session ended, or it is not on this host's tmux — drops the reply
 * with a note instead of retrying: pane ids are reused, so a later attempt could type into someone else's shell.
 */
export function createSessionReplyJob({ purgatory, config, tmux }: SessionReplyJobDeps): JobKind<SessionReplyPayload> {
  async function note(tokenId: string, text: string): Promise<void> {
    await purgatory.change(async (ctx) => ctx.plan({ type: 'noted', token: await ctx.token(tokenId), text }));
  }

  return {
    payload: SessionReplyPayload,
    retry: { maxAttempts: 5, baseMs: 5000, maxMs: 60_000 },
    async handle({ job, payload }) {
      const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
      if (!token) return;
      const { session, pane } = payload;
      const refused = checkDeliveryTarget(runnerRules(config, token.runner), { type: 'tmux', session });
      if (refused) {
        await note(token.id, `✗ Not typed into the session: ${refused.reason}.`);
        return;
      }
      const now = await tmux.paneInfo(pane);
      if (now?.session !== session || now.pid !== payload.pane_pid) {
        await note(token.id, `✗ Not typed: tmux pane ${pane} of session \`${session}\` is gone (the session ended).`);
        return;
      }
      await tmux.inject(session, payload.text, pane);
      await note(token.id, `✓ typed into \`${session}\` (pane ${pane})`);
    },
  };
}
