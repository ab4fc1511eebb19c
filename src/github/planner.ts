import type { Config } from '../config.js';
import type { EffectPlanner } from '../purgatory.js';

/** GitHub calls for one issue run in order in their own lane. */
export const githubLane = (ref: string) => `github:${ref}`;

/**
 * GitHub side effects: labelling the issue `blocked` (with a comment) when the 24-hour rule fires, and
 * taking the label off (with a comment) once the token is answered or closed, unless UNBLOCK_ON_ANSWER=false.
 */
export function createGitHubPlanner(config: Config): EffectPlanner {
  return (change) => {
    const ref = change.token.github_issue;
    if (!config.github || !ref) return [];
    const label = config.github.blockedLabel;
    const lane = githubLane(ref);
    const f = change.token.followup;
    if (change.type === 'blocked') {
      return [
        { kind: 'github.label', lane, payload: { ref, label } },
        { kind: 'github.comment', lane, payload: { ref, template: 'blocked', label } },
      ];
    }
    if (
      change.type === 'settled' &&
      config.followups.unblockOnAnswer &&
      f.github_blocked_at &&
      !f.github_unblocked_at &&
      !f.github_error
    ) {
      return [
        { kind: 'github.unlabel', lane, payload: { ref, label } },
        { kind: 'github.comment', lane, payload: { ref, template: 'unblocked' } },
      ];
    }
    return [];
  };
}
