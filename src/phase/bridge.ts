import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import {
  type PhaseClosing,
  phaseClosingClause,
  renderClosedReplyNote,
  renderPhaseClosingNote,
} from '../../blocks/phase-card.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Tmux } from '../delivery/tmux.js';
import type { Token } from '../domain/token.js';
import { githubLane } from '../github/planner.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import { answerersFor, escalationChannel } from '../slack/routing.js';
import type { PhaseFileStore } from '../store/phase-files.js';
import { failureComment } from './comments.js';
import { createGuidanceJob, guidanceText } from './guidance.js';
import { type PhaseInfo, phaseInfo } from './info.js';
import {
  FINISHED_PHASES,
  isEscalationPhase,
  type Phase,
  type PhaseContent,
  type PhaseFileName,
  readPhaseFile,
} from './parse.js';
import { redactSecrets } from './redact.js';
import type { PhaseFileEvent } from './watcher.js';

export { type PhaseInfo, phaseInfo } from './info.js';

const ACTOR = { runner: 'phase-bridge', admin: true };

export interface PhaseBridgeDeps {
  purgatory: Purgatory;
  /** What the bridge acted on, per phase file (`store.phaseFiles`). */
  store: PhaseFileStore;
  config: Config;
  tmux: Tmux;
  clock: Clock;
  logger: Logger;
  /** Says something in a token's thread once per key. */
  noteOnce(tokenId: string, key: string, text: string): Promise<void>;
}

/** How leaving an escalation phase for `phase` closes the escalation. */
function closingFor(phase: Phase): PhaseClosing {
  if (phase === 'PHASE:failed') return { how: 'failed', phase };
  return FINISHED_PHASES.includes(phase) ? { how: 'finished', phase } : { how: 'moved_on', phase };
}

/** An untrusted phase line fit for one log field: no control characters, no secrets, at most 60 characters. */
function printablePhase(text: string): string {
  const chars = Array.from(redactSecrets(text.slice(0, 200)).replace(/\p{C}/gu, '?'));
  return chars.length > 60 ? `${chars.slice(0, 59).join('')}…` : chars.join('');
}

/**
 * The phase-file bridge: `PHASE:escalate` (or its older name `PHASE:needs_human`) opens an escalation card in the
 * project's escalation channel; leaving it closes the card and says what happened (`PHASE:done` and
 * `PHASE:merged` resolve it); `PHASE:failed` labels the issue `blocked` with a diagnostic comment; an unknown
 * phase is logged and ignored. Thread replies become guidance typed into the agent's tmux session, while the
 * session exists and is still escalated (or awaiting review); otherwise they wait in the outbox and the thread
 * says why. A reply after the escalation closed is not typed anywhere, and the thread says that too.
 */
export function createPhaseBridge(deps: PhaseBridgeDeps) {
  const { purgatory, config, tmux, clock, logger } = deps;
  const phaseFiles = deps.store;
  const log = logger.child({ component: 'phase' });

  /** Opens (or, for an episode already opened, returns) the escalation of a session. */
  async function escalate(
    name: PhaseFileName,
    content: PhaseContent,
    episode: string,
    file: string | null,
  ): Promise<Token> {
    const route = config.file.projects[name.project];
    const hash = createHash('sha256').update(`${name.kind}:${name.project}:${name.number}:${episode}`).digest('hex');
    const id = `phase-${name.project.slice(0, 60)}-${name.number}-${hash.slice(0, 10)}`;
    const info: PhaseInfo = {
      kind: name.kind,
      project: name.project,
      number: name.number,
      session: name.session,
      file,
      phase: content.phase,
      reason: content.reason,
      pr: content.pr,
      since: new Date(clock.now()).toISOString(),
      host: config.hostId,
    };
    // The id names the episode; `since` differs on every read, so an episode already opened (a restart after
    // a crash between creating the token and saving the file state) is returned rather than re-created.
    const existing = await purgatory.find(id);
    if (existing) return existing;
    const { token } = await purgatory.create(
      {
        id,
        kind: 'phase_escalation',
        reason: 'context_required',
        severity: 'warning',
        prompt: content.reason ?? 'The agent escalated without giving a reason.',
        project: name.project,
        github_issue: route?.repo ? `${route.repo}#${name.number}` : null,
        original_event: { phase: { ...info } },
        slack_channel:
          escalationChannel(config, { project: name.project, severity: 'warning', slack_channel: null }) ?? null,
        answerers: answerersFor(config, { project: name.project, answerers: null }),
        thread_resolves: false,
        runner: ACTOR.runner,
      },
      ACTOR,
    );
    log.info({ token_id: token.id, session: name.session }, 'phase escalation opened');
    return token;
  }

  /** `PHASE:failed`: label the issue `blocked` and post a diagnostic comment (with the pane, redacted). */
  async function reportFailure(name: PhaseFileName, content: PhaseContent): Promise<void> {
    const repo = config.file.projects[name.project]?.repo;
    if (!config.github || !repo) {
      log.warn(
        { session: name.session },
        'PHASE:failed, but no GitHub token or project repo is configured: nothing labelled',
      );
      return;
    }
    const ref = `${repo}#${name.number}`;
    const pane = await tmux.capturePane(name.session, 50).catch(() => undefined);
    const body = failureComment({
      session: name.session,
      reason: content.reason,
      pr: content.pr ?? (name.kind === 'review' ? `#${name.number}` : null),
      at: clock.now(),
      pane: pane === undefined ? undefined : redactSecrets(pane),
    });
    await purgatory.change(async (ctx) => {
      await ctx.event({
        tokenId: null,
        type: 'phase_failed',
        actor: 'phase-bridge',
        data: { ref, session: name.session },
      });
      await ctx.enqueue({
        kind: 'github.label',
        lane: githubLane(ref),
        payload: { ref, label: config.github?.blockedLabel },
      });
      await ctx.enqueue({ kind: 'github.comment', lane: githubLane(ref), payload: { ref, body } });
    });
  }

  /**
   * Closes an open escalation and says in its thread what happened, in one transaction (the Slack planner
   * leaves out its generic decision reply for escalations the bridge closed).
   */
  async function close(tokenId: string | null, closing: PhaseClosing): Promise<void> {
    const token = tokenId ? await purgatory.find(tokenId) : undefined;
    const info = token ? phaseInfo(token) : undefined;
    if (token?.status !== 'pending' || !info) return;
    // The settle joins the change's transaction (the store runs a transaction opened inside another in it).
    await purgatory.change(async (ctx) => {
      const settled =
        closing.how === 'finished'
          ? await purgatory.resolve(token.id, {
              humanInput: { phase: closing.phase },
              by: 'agent',
              byName: 'the agent',
              via: 'phase',
            })
          : await purgatory.cancel(token.id, { actor: 'agent', via: 'phase', reason: phaseClosingClause(closing) });
      if (!settled.changed) return;
      await ctx.plan({
        type: 'noted',
        token: await ctx.token(token.id),
        text: renderPhaseClosingNote(closing, info.session),
      });
    });
  }

  /** Why a phase escalation is no longer open, as a clause for the thread. */
  async function closedClause(token: Token): Promise<string> {
    const finished = (token.human_input as { phase?: unknown } | null)?.phase;
    if (token.status === 'resolved' && token.answered_via === 'phase' && typeof finished === 'string') {
      return `this escalation closed when ${phaseClosingClause({ how: 'finished', phase: finished })}`;
    }
    if (token.status === 'cancelled') {
      const reason = (await purgatory.history(token.id)).findLast((e) => e.type === 'cancelled')?.data.reason;
      return typeof reason === 'string' ? `this escalation closed when ${reason}` : 'this escalation was cancelled';
    }
    return token.status === 'expired' ? 'this escalation expired' : 'this escalation was answered';
  }

  return {
    escalate,

    /** Reacts to a phase file as the watcher read it. Re-reading a state already acted on changes nothing. */
    async handle(event: PhaseFileEvent): Promise<void> {
      const prev = await phaseFiles.get(event.path);
      if (event.content === null) {
        if (!prev) return;
        await close(prev.token_id, { how: 'deleted' });
        await phaseFiles.remove(event.path);
        return;
      }
      const read = readPhaseFile(event.content);
      if (read.status === 'partial' || !event.stateKey) {
        return log.debug({ path: event.path }, 'phase file not readable yet');
      }
      if (read.status === 'unknown') {
        // Newer orchestrators may add phases: say so where an operator looks, and leave the session as it was.
        return log.info(
          { file: basename(event.path), phase: printablePhase(read.phase) },
          'phase file holds a phase rodizio does not know; ignored',
        );
      }
      const { content } = read;
      if (prev?.state_key === event.stateKey) return;
      const open = prev?.token_id ? await purgatory.find(prev.token_id) : undefined;
      let tokenId: string | null = open?.status === 'pending' ? open.id : null;
      if (isEscalationPhase(content.phase)) {
        // escalate ↔ needs_human is the same request for help: the open escalation stays open.
        if (!tokenId) tokenId = (await escalate(event.name, content, event.stateKey, event.path)).id;
      } else {
        await close(tokenId, closingFor(content.phase));
        tokenId = null;
        if (content.phase === 'PHASE:failed') await reportFailure(event.name, content);
      }
      await phaseFiles.save({
        path: event.path,
        kind: event.name.kind,
        project: event.name.project,
        number: event.name.number,
        state_key: event.stateKey,
        phase: content.phase,
        token_id: tokenId,
        updated_ms: clock.now(),
      });
    },

    /** A person's thread reply, on its way to the agent's tmux session. */
    async queueGuidance(token: Token, from: { user: string; name: string; text: string }): Promise<void> {
      const info = phaseInfo(token);
      if (!info) return;
      const text = guidanceText(info, from.name, from.text);
      await purgatory.change(async (ctx) => {
        await ctx.event({
          tokenId: token.id,
          type: 'guidance_queued',
          actor: from.user,
          data: { session: info.session },
        });
        await ctx.enqueue({
          kind: 'phase.guidance',
          tokenId: token.id,
          lane: `tmux:${info.session}`,
          // Typed into the session on its own machine, whichever replica heard the reply.
          host: info.host ?? null,
          payload: { session: info.session, text },
        });
        await ctx.plan({ type: 'updated', token: await ctx.token(token.id), what: 'guidance_queued' });
      });
    },

    /**
     * A reply in the thread of an escalation that has closed: nothing is typed into the session, and the thread
     * says so and why — once per person, so a conversation in a closed thread is not answered line by line.
     */
    async replyToClosed(token: Token, from: { user: string }): Promise<void> {
      const info = phaseInfo(token);
      if (!info || token.status === 'pending') return;
      const running = await tmux.hasSession(info.session).catch(() => false);
      const which = info.kind === 'dev' ? '--issue' : '--pr';
      await deps.noteOnce(
        token.id,
        `closed-reply:${from.user}`,
        renderClosedReplyNote({
          session: info.session,
          closed: await closedClause(token),
          running,
          escalateCommand: `rodizio escalate --project ${info.project} ${which} ${info.number} --reason "…"`,
        }),
      );
    },

    /** The outbox job that types guidance into the session once it may. */
    guidanceJob: createGuidanceJob(deps),
  };
}

export type PhaseBridge = ReturnType<typeof createPhaseBridge>;
