/**
 * The phases of the orchestrator convention. `PHASE:needs_human` is the older name of `PHASE:escalate`;
 * `PHASE:merged` ends a session like `PHASE:done`.
 */
export const PHASES = [
  'PHASE:awaiting_ci',
  'PHASE:awaiting_review',
  'PHASE:escalate',
  'PHASE:needs_human',
  'PHASE:done',
  'PHASE:merged',
  'PHASE:failed',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases that ask a human for help: each opens an escalation. */
export const ESCALATION_PHASES: readonly Phase[] = ['PHASE:escalate', 'PHASE:needs_human'];
/** Phases after which the session is over: nothing more is typed into it. */
export const FINISHED_PHASES: readonly Phase[] = ['PHASE:done', 'PHASE:merged', 'PHASE:failed'];
/** Phases in which the agent waits for input, so guidance may be typed into its session. */
export const INJECTABLE_PHASES: readonly Phase[] = [...ESCALATION_PHASES, 'PHASE:awaiting_review'];

export const isEscalationPhase = (phase: Phase): boolean => ESCALATION_PHASES.includes(phase);

export interface PhaseFileName {
  kind: 'dev' | 'review';
  project: string;
  /** The issue (dev sessions) or pull request (review sessions). */
  number: number;
  /** The agent's tmux session: `dev-{project}-{issue}` or `review-{project}-{pr}`. */
  session: string;
}

export interface PhaseContent {
  phase: Phase;
  reason: string | null;
  /** An optional `PR: <number or URL>` line. */
  pr: string | null;
}

/**
 * A phase file as read: a known phase; `partial` (empty, or a first line still being written); or `unknown`, a
 * whole first line that is not a phase rodizio knows (`phase` is that line, white space removed, untrusted).
 */
export type PhaseRead =
  | { status: 'ok'; content: PhaseContent }
  | { status: 'partial' }
  | { status: 'unknown'; phase: string };

const NAME = /^(dev|review)-session-(.+)-(\d+)\.phase$/;

/**
 * `dev-session-{project}-{issue}.phase` / `review-session-{project}-{pr}.phase`. Project names may contain
 * dashes: the number is the last segment. Project names rodizio cannot use as a project are refused.
 */
export function parsePhaseFileName(name: string): PhaseFileName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, kind, project, number] = m as unknown as [string, 'dev' | 'review', string, string];
  if (!/^[\w.-]{1,100}$/.test(project)) return undefined;
  return { kind, project, number: Number(number), session: `${kind}-${project}-${number}` };
}

const isPhase = (text: string): text is Phase => (PHASES as readonly string[]).includes(text);

/**
 * Reads a phase file the way the convention's readers do: the first line with all white space removed
 * (`head -1 | tr -d '[:space:]'`), then `Reason:` (and `PR:`) lines. A first line with no line break after it
 * that is the beginning of a known phase (`PHASE:esc`) is a file caught mid-write: read again on the next event.
 */
export function readPhaseFile(text: string): PhaseRead {
  const [first = '', ...rest] = text.split('\n');
  const phase = first.replace(/\s/g, '');
  if (!isPhase(phase)) {
    const midWrite = rest.length === 0 && PHASES.some((p) => p.startsWith(phase));
    return phase === '' || midWrite ? { status: 'partial' } : { status: 'unknown', phase };
  }
  const field = (name: string) => {
    const line = rest.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const value = line?.slice(name.length + 1).trim();
    return value ? value : null;
  };
  return { status: 'ok', content: { phase, reason: field('Reason'), pr: field('PR') } };
}

/** The content of a phase file with a known phase; undefined for an empty, half-written or unknown one. */
export function parsePhaseContent(text: string): PhaseContent | undefined {
  const read = readPhaseFile(text);
  return read.status === 'ok' ? read.content : undefined;
}
