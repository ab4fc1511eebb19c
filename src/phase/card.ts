import { type PhaseCardInput, phaseClosingClause } from '../../blocks/phase-card.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';
import { mentionForId } from '../followups/mentions.js';
import { phaseInfo } from './info.js';

/** Everything the phase card shows, from the token and the config (links, on-call mention). */
export function phaseCardInput(
  token: Token,
  config: Config,
  extra: { queued: number; closedHow: string | null },
): PhaseCardInput | undefined {
  const info = phaseInfo(token);
  if (!info) return undefined;
  const route = config.file.projects[info.project];
  const web = config.githubWebUrl.replace(/\/+$/, '');
  const repoUrl = route?.repo ? `${web}/${route.repo}` : null;
  const prUrl = info.pr?.startsWith('http')
    ? info.pr
    : repoUrl && (info.kind === 'review' || info.pr)
      ? `${repoUrl}/pull/${info.kind === 'review' ? info.number : info.pr?.replace(/^#/, '')}`
      : null;
  const oncallName = route?.oncall;
  const oncallId = oncallName ? (config.file.escalation_targets[oncallName] ?? oncallName) : undefined;
  const closedAt = token.resolved_at ?? token.cancelled_at ?? token.voided_at;
  // A session that finished resolved its escalation with the phase as the answer (PHASE:done or PHASE:merged):
  // the token itself says which, whatever the caller guessed.
  const finished = (token.human_input as { phase?: unknown } | null)?.phase;
  const closedHow =
    token.status === 'resolved' && token.answered_via === 'phase' && typeof finished === 'string'
      ? phaseClosingClause({ how: 'finished', phase: finished })
      : extra.closedHow;
  return {
    tokenId: token.id,
    project: info.project,
    sessionKind: info.kind,
    number: info.number,
    session: info.session,
    phase: info.phase,
    reason: info.reason,
    issueUrl: repoUrl && info.kind === 'dev' ? `${repoUrl}/issues/${info.number}` : null,
    prUrl,
    oncall: oncallId ? (mentionForId(oncallId) ?? escapeMrkdwn(oncallId)) : null,
    since: Date.parse(info.since),
    closed:
      token.status === 'pending' ? null : { how: closedHow ?? token.status, at: closedAt ? Date.parse(closedAt) : 0 },
    queued: extra.queued,
  };
}
