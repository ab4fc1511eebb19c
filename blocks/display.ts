import type { Reason, Severity, Token } from '../src/domain/token.js';
import { escapeMrkdwn, mention, truncate } from './text.js';

/** Icons and labels that go with each reason. */
export const REASON_DISPLAY: Record<Reason, { icon: string; label: string }> = {
  approval_needed: { icon: '🛡️', label: 'Approval needed' },
  context_required: { icon: '📖', label: 'Context required' },
  sensitive_action: { icon: '🔒', label: 'Sensitive action' },
  ambiguous_choice: { icon: '🤔', label: 'Ambiguous choice' },
  resource_decision: { icon: '💰', label: 'Resource decision' },
  error_recovery: { icon: '🔧', label: 'Error recovery' },
};

export const SEVERITY_DISPLAY: Record<Severity, string> = {
  info: 'ℹ️ info',
  warning: '⚠️ warning',
  critical: '🚨 critical',
};

/** Slack user ids look like U…/W…; anything else (a CLI user, an API caller's name) is shown as text. */
export function who(id: string | null, name?: string | null): string {
  if (!id) return 'someone';
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? mention(id) : escapeMrkdwn(name ?? id);
}

/** A human answer as one short line of text: the option, the typed text, or `key: value` pairs of a form. */
export function describeAnswer(value: unknown, max = 300): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return truncate(value.replace(/\s+/g, ' ').trim() || '—', max);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    return truncate(parts.join(', ') || '{}', max);
  }
  return truncate(JSON.stringify(value), max);
}

/** `owner/repo#12` → the issue's web address under `webBase` (https://github.com or an Enterprise host). */
export function githubIssueUrl(ref: string, webBase = 'https://github.com'): string | undefined {
  const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(ref);
  return m ? `${webBase.replace(/\/+$/, '')}/${m[1]}/${m[2]}/issues/${m[3]}` : undefined;
}

/** True when clicking this option should ask "are you sure?" and look dangerous. */
export function isDangerous(token: Token, option: string): boolean {
  return (
    token.reason === 'sensitive_action' || token.severity === 'critical' || token.destructive_options.includes(option)
  );
}
