/** The phases of the orchestrator convention. */
export const PHASES = [
  'PHASE:awaiting_ci',
  'PHASE:awaiting_review',
  'PHASE:escalate',
  'PHASE:done',
  'PHASE:failed',
] as const;
export type Phase = (typeof PHASES)[number];

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

/**
 * Reads a phase file the way the convention's readers do: the first line with all white space removed
 * (`head -1 | tr -d '[:space:]'`), then `Reason:` (and `PR:`) lines. An empty read, or a first line that is not
 * a known phase (a half-written file), is undefined: read again on the next event.
 */
export function parsePhaseContent(text: string): PhaseContent | undefined {
  const [first = '', ...rest] = text.split('\n');
  const phase = first.replace(/\s/g, '');
  if (!(PHASES as readonly string[]).includes(phase)) return undefined;
  const field = (name: string) => {
    const line = rest.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const value = line?.slice(name.length + 1).trim();
    return value ? value : null;
  };
  return { phase: phase as Phase, reason: field('Reason'), pr: field('PR') };
}
