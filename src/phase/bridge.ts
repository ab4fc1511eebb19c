import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Tmux } from '../delivery/tmux.js';
import type { Token } from '../domain/token.js';
import { githubLane } from '../github/planner.js';
import type { Logger } from '../logger.js';
import { RetryLater } from '../outbox/job-errors.js';
import type { JobKind } from '../outbox/worker.js';
import type { Purgatory } from '../purgatory.js';
import { answerersFor, escalationChannel } from '../slack/routing.js';
import type { PhaseFileStore } from '../store/phase-files.js';
import { failureComment } from './comments.js';
import { type Phase, type PhaseContent, type PhaseFileName, parsePhaseContent } from './parse.js';
import { redactSecrets } from './redact.js';
import type { PhaseFileEvent } from './watcher.js';

/** A person's reply to type into the agent's tmux session. */
const GuidancePayload = z.object({ session: z.string().min(1), text: z.string() });
type GuidancePayload = z.infer<typeof GuidancePayload>;

/** What a phase escalation token carries about its session, in `original_event.phase`. */
export interface PhaseInfo {
  kind: 'dev' | 'review';
  project: string;
  number: number;
  session: string;
  /** The phase file, when the escalation came from one (not from `rodizio escalate`). */
  file: string | null;
  phase: Phase;
  reason: string | null;
  pr: string | null;
  since: string;
}

/** The phase info of a phase escalation token. */
export function phaseInfo(token: Token): PhaseInfo | undefined {
  const event = token.original_event as { phase?: PhaseInfo } | null;
  return token.kind === 'phase_escalation' && event && typeof event === 'object' ? event.phase : undefined;
}

const INJECTABLE: Phase[] = ['PHASE:escalate', 'PHASE:awaiting_review'];
const FINISHED: Phase[] = ['PHASE:done', 'PHASE:failed'];
const ACTOR = { runner: 'phase-bridge', admin: true };

export interface PhaseBridgeDeps {
  purgatory: Purgatory;
  store: PhaseFileStore;
  config: Config;
  tmux: Tmux;
  clock: Clock;
  logger: Logger;
  /** Says something in a token's thread once per key. */
  noteOnce(tokenId: string, key: string, text: string): void;
}

/**
 * The phase-file bridge: `PHASE:escalate` opens an escalation card in the project's escalation channel;
 * leaving escalate closes it (`PHASE:done` resolves it); `PHASE:failed` labels the issue `blocked` with a
 * diagnostic comment. Thread replies become guidance typed into the agent's tmux session, while the session
 * exists and is still escalated (or awaiting review); otherwise they wait in the outbox and the thread says why.
 */
export function createPhaseBridge(deps: PhaseBridgeDeps) {
  const { purgatory, store, config, tmux, clock, logger } = deps;
  const log = logger.child({ component: 'phase' });

  function note(tokenId: string, text: string): void {
    purgatory.change((tx) => tx.plan({ type: 'noted', token: tx.token(tokenId), text }));
  }

  /** Opens (or, for an episode already opened, returns) the escalation of a session. */
  function escalate(name: PhaseFileName, content: PhaseContent, episode: string, file: string | null): Token {
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
    };
    // The id names the episode; `since` differs on every read, so an episode already opened (a restart after
    // a crash between creating the token and saving the file state) is returned rather than re-created.
    const existing = purgatory.find(id);
    if (existing) return existing;
    const { token } = purgatory.create(
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
    purgatory.change((tx) => {
      tx.event({ tokenId: null, type: 'phase_failed', actor: 'phase-bridge', data: { ref, session: name.session } });
      tx.enqueue({ kind: 'github.label', lane: githubLane(ref), payload: { ref, label: config.github?.blockedLabel } });
      tx.enqueue({ kind: 'github.comment', lane: githubLane(ref), payload: { ref, body } });
    });
  }

  function close(tokenId: string | null, phase: Phase): void {
    const token = tokenId ? purgatory.find(tokenId) : undefined;
    if (token?.status !== 'pending') return;
    if (phase === 'PHASE:done') {
      purgatory.resolve(token.id, { humanInput: { phase }, by: 'agent', byName: 'the agent', via: 'phase' });
    } else {
      purgatory.cancel(token.id, { actor: 'agent', via: 'phase', reason: `the session moved on to ${phase}` });
    }
  }

  /** The session's phase now: from its phase file, or — for `rodizio escalate` — from the token. */
  async function currentPhase(info: PhaseInfo, token: Token): Promise<Phase | 'missing'> {
    if (!info.file) return token.status === 'pending' ? 'PHASE:escalate' : 'PHASE:done';
    try {
      return parsePhaseContent(await readFile(info.file, 'utf8'))?.phase ?? info.phase;
    } catch {
      return 'missing';
    }
  }

  return {
    escalate,

    /** Reacts to a phase file as the watcher read it. Re-reading a state already acted on changes nothing. */
    async handle(event: PhaseFileEvent): Promise<void> {
      const prev = store.get(event.path);
      if (event.content === null) {
        if (!prev) return;
        if (prev.token_id) {
          const token = purgatory.find(prev.token_id);
          if (token?.status === 'pending') {
            purgatory.cancel(token.id, { actor: 'agent', via: 'phase', reason: 'the phase file was removed' });
          }
        }
        store.remove(event.path);
        return;
      }
      const content = parsePhaseContent(event.content);
      if (!content || !event.stateKey) return log.debug({ path: event.path }, 'phase file not readable yet');
      if (prev?.state_key === event.stateKey) return;
      const open = prev?.token_id ? purgatory.find(prev.token_id) : undefined;
      let tokenId: string | null = open?.status === 'pending' ? open.id : null;
      if (content.phase === 'PHASE:escalate') {
        if (!tokenId) tokenId = escalate(event.name, content, event.stateKey, event.path).id;
      } else {
        close(tokenId, content.phase);
        tokenId = null;
        if (content.phase === 'PHASE:failed') await reportFailure(event.name, content);
      }
      store.save({
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
    queueGuidance(token: Token, from: { user: string; name: string; text: string }): void {
      const info = phaseInfo(token);
      if (!info) return;
      const text = `Human guidance from ${from.name} in Slack:\n\n${from.text}\n\nConsider this guidance for your current work.`;
      purgatory.change((tx) => {
        tx.event({ tokenId: token.id, type: 'guidance_queued', actor: from.user, data: { session: info.session } });
        tx.enqueue({
          kind: 'phase.guidance',
          tokenId: token.id,
          lane: `tmux:${info.session}`,
          payload: { session: info.session, text },
        });
        tx.plan({ type: 'updated', token: tx.token(token.id), what: 'guidance_queued' });
      });
    },

    /** The outbox job that types guidance into the session once it may. */
    guidanceJob: {
      payload: GuidancePayload,
      retry: { maxAttempts: 300, baseMs: 30_000, maxMs: 5 * 60_000 },
      async handle({ job, payload, attempt }) {
        const token = job.token_id ? purgatory.find(job.token_id) : undefined;
        const info = token ? phaseInfo(token) : undefined;
        if (!token || !info) return;
        const { session } = payload;
        const phase = await currentPhase(info, token);
        if (phase === 'missing' || FINISHED.includes(phase)) {
          note(
            token.id,
            `✗ Not forwarded to ${session}: the session finished (${phase === 'missing' ? 'its phase file is gone' : phase}).`,
          );
          return;
        }
        const running = await tmux.hasSession(session);
        if (running && INJECTABLE.includes(phase)) {
          await tmux.inject(session, payload.text);
          note(token.id, `✓ forwarded to ${session}`);
          purgatory.change((tx) => tx.plan({ type: 'updated', token: tx.token(token.id), what: 'guidance_forwarded' }));
          return;
        }
        const why = running ? `the session is in ${phase}, not escalated` : `tmux session ${session} is not running`;
        deps.noteOnce(
          token.id,
          `guidance-waiting:${job.id}`,
          `📨 Queued, not forwarded yet: ${why}. It goes through once ${session} is running and in PHASE:escalate or PHASE:awaiting_review.`,
        );
        throw new RetryLater(Math.min(30_000 * attempt, 5 * 60_000), why, { countsAsAttempt: true });
      },
    } satisfies JobKind<GuidancePayload>,
  };
}

export type PhaseBridge = ReturnType<typeof createPhaseBridge>;
