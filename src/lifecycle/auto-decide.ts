import { type PermissionRules, requestSubject } from '../domain/permission.js';
import type { Token } from '../domain/token.js';
import { rowToGrant } from '../store/grants.js';
import type { Tx } from '../store/store.js';
import type { AutoDecision } from './types.js';

/**
 * Whether a new permission request is decided without asking anyone: a deny rule wins over everything (a grant
 * too), then an allow rule, then a live grant of the same runner and tool that covers it. Undefined: ask.
 */
export async function decideAtCreate(
  tx: Tx,
  token: Token,
  rules: PermissionRules | undefined,
  nowMs: number,
): Promise<AutoDecision | undefined> {
  const permission = token.permission;
  if (!permission) return undefined;
  const hit = rules?.decide(token.runner, permission);
  if (hit) {
    const { rule, index } = hit;
    return {
      humanInput: rule.decision === 'deny' ? 'Deny' : 'Allow',
      ...(rule.decision === 'deny'
        ? {
            message: `Denied by rule ${index} of the rodizio config (${rule.tool} matching /${rule.match}/); nobody was asked.`,
          }
        : {}),
      via: 'rule',
      decidedBy: { rule: index, match: rule.match },
      audit: {
        rule: { index, tool: rule.tool, match: rule.match, decision: rule.decision, runner: rule.runner ?? null },
      },
    };
  }
  const row = await tx.grants.covering(token.runner, permission.tool_name, requestSubject(permission), nowMs);
  if (row) {
    const grant = rowToGrant(row);
    await tx.grants.used(grant.id);
    const expiresAt = grant.expires_at;
    return {
      humanInput: 'Allow',
      via: 'grant',
      decidedBy: { grant_id: grant.id, expires_at: expiresAt },
      audit: {
        grant: {
          id: grant.id,
          scope: grant.scope,
          value: grant.value,
          expires_at: expiresAt,
          created_by: grant.created_by,
        },
      },
      ...(grant.slack ? { grantThread: { grantId: grant.id, ...grant.slack } } : {}),
    };
  }
  return undefined;
}
