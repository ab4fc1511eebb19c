import type { Token } from '../domain/token.js';
import type { Phase } from './parse.js';

/** What a phase escalation token carries about its session, in `original_event.phase`. */
export interface PhaseInfo {
  kind: 'dev' | 'review';
  project: string;
  number: number;
  session: string;
  /** The phase file, when the escalation came from one (not from `rodizio escalate`). */
  file: string | null;
  /** The phase that opened the escalation: `PHASE:escalate` or `PHASE:needs_human`. */
  phase: Phase;
  reason: string | null;
  pr: string | null;
  since: string;
  /** The host whose tmux runs the session (RODIZIO_HOST_ID where it was opened); absent in older tokens. */
  host?: string;
}

/** The phase info of a phase escalation token. */
export function phaseInfo(token: Token): PhaseInfo | undefined {
  const event = token.original_event as { phase?: PhaseInfo } | null;
  return token.kind === 'phase_escalation' && event && typeof event === 'object' ? event.phase : undefined;
}
