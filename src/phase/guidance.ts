import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Tmux } from '../delivery/tmux.js';
import type { Token } from '../domain/token.js';
import { RetryLater } from '../outbox/job-errors.js';
import type { JobKind } from '../outbox/worker.js';
import type { Purgatory } from '../purgatory.js';
import { type PhaseInfo, phaseInfo } from './info.js';
import { FINISHED_PHASES, INJECTABLE_PHASES, isEscalationPhase, type Phase, parsePhaseContent } from './parse.js';

/** A person's reply to type into the agent's tmux session. */
const GuidancePayload = z.object({ session: z.string().min(1), text: z.string() });
type GuidancePayload = z.infer<typeof GuidancePayload>;

/**
 * What is typed into an agent's tmux session for a person's thread reply, in the orchestrator convention's own
 * words: a dev session gets guidance for its work; a review session gets a question about its review, which it
 * should answer rather than act on.
 */
export function guidanceText(session: { kind: 'dev' | 'review'; number: number }, from: string, text: string): string {
  if (session.kind === 'review') {
    return `Human question about your review of PR #${session.number} from ${from} in Slack:\n\n${text}\n\nPlease answer this question about your review. Explain your reasoning.`;
  }
  return `Human guidance from ${from} in Slack:\n\n${text}\n\nConsider this guidance for your current work.`;
}

export interface GuidanceJobDeps {
  purgatory: Purgatory;
  tmux: Tmux;
  /** Says something in a token's thread once per key. */
  noteOnce(tokenId: string, key: string, text: string): Promise<void>;
}

/** The session's phase now: from its phase file, or — for `rodizio escalate` — from the token. */
async function currentPhase(info: PhaseInfo, token: Token): Promise<Phase | 'missing'> {
  if (!info.file) return token.status === 'pending' ? info.phase : 'PHASE:done';
  try {
    return parsePhaseContent(await readFile(info.file, 'utf8'))?.phase ?? info.phase;
  } catch {
    return 'missing';
  }
}

/**
 * The outbox job `phase.guidance`: types a queued reply into the session once it runs and waits for input
 * (escalated, or awaiting review); drops it, saying so, once the session finished; otherwise retries.
 */
export function createGuidanceJob({ purgatory, tmux, noteOnce }: GuidanceJobDeps): JobKind<GuidancePayload> {
  async function note(tokenId: string, text: string): Promise<void> {
    await purgatory.change(async (ctx) => ctx.plan({ type: 'noted', token: await ctx.token(tokenId), text }));
  }

  return {
    payload: GuidancePayload,
    retry: { maxAttempts: 300, baseMs: 30_000, maxMs: 5 * 60_000 },
    async handle({ job, payload, attempt }) {
      const token = job.token_id ? await purgatory.find(job.token_id) : undefined;
      const info = token ? phaseInfo(token) : undefined;
      if (!token || !info) return;
      const { session } = payload;
      const phase = await currentPhase(info, token);
      if (phase === 'missing' || FINISHED_PHASES.includes(phase)) {
        await note(
          token.id,
          `✗ Not forwarded to ${session}: the session finished (${phase === 'missing' ? 'its phase file is gone' : phase}).`,
        );
        return;
      }
      const running = await tmux.hasSession(session);
      if (running && INJECTABLE_PHASES.includes(phase)) {
        await tmux.inject(session, payload.text);
        await note(token.id, `✓ forwarded to ${session}`);
        await purgatory.change(async (ctx) =>
          ctx.plan({ type: 'updated', token: await ctx.token(token.id), what: 'guidance_forwarded' }),
        );
        return;
      }
      const why = running ? `the session is in ${phase}, not escalated` : `tmux session ${session} is not running`;
      const escalated = isEscalationPhase(info.phase) ? info.phase : 'PHASE:escalate';
      await noteOnce(
        token.id,
        `guidance-waiting:${job.id}`,
        `📨 Queued, not forwarded yet: ${why}. It goes through once ${session} is running and in ${escalated} or PHASE:awaiting_review.`,
      );
      throw new RetryLater(Math.min(30_000 * attempt, 5 * 60_000), why, { countsAsAttempt: true });
    },
  };
}
