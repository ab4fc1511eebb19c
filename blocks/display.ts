import type { AnswerSchema } from '../src/domain/answer-schema.js';
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

/** A form value as a person reads it: text as typed, yes/no, numbers as numbers. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim() || '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value) ?? '—';
}

/**
 * A human answer as one short line of text: the option, the typed text, or a form's fields. With the token's
 * answer schema a form reads `Replicas: 3 · Region: eu-west-1` — each field by its label (`title`, else its
 * name, as the modal showed it), in the schema's order; without one, `key: JSON` pairs.
 */
export function describeAnswer(value: unknown, max = 300, schema?: AnswerSchema | null): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return truncate(value.replace(/\s+/g, ' ').trim() || '—', max);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (schema) {
      const order = Object.keys(schema.properties);
      const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
      const parts = entries
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([k, v]) => `${schema.properties[k]?.title ?? k}: ${describeValue(v)}`);
      return truncate(parts.join(' · ') || '{}', max);
    }
    const parts = entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    return truncate(parts.join(', ') || '{}', max);
  }
  return truncate(JSON.stringify(value), max);
}

/** "a", "a and b", "a, b and c": names in a sentence. */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** `owner/repo#12` → the issue's web address under `webBase` (https://github.com or an Enterprise host). */
export function githubIssueUrl(ref: string, webBase = 'https://github.com'): string | undefined {
  const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(ref);
  return m ? `${webBase.replace(/\/+$/, '')}/${m[1]}/${m[2]}/issues/${m[3]}` : undefined;
}

const wordSet = (text: string) => new Set(text.trim().split(/\s+/));
// Words that, leading a clause, negate it: "No", "Not now", "Don't deploy", "Never mind".
const NEGATIONS = wordSet("no not don't dont never nope nah none nothing");
// Verbs that hold back, refuse or leave things as they are.
const HOLD_BACK = wordSet(`
  wait hold keep leave stay retain reject deny decline refuse dismiss ignore cancel abort stop halt block skip
  pause postpone defer delay snooze later`);
// Words that may stand beside a hold-back verb without naming a thing to act on ("Keep it as is", "Wait 10 min").
const FILLER = wordSet(`
  it this that them these those one the a an as is me us let's lets for now off on up until till today tomorrow
  later while bit moment min mins minute minutes hour hours day days week weeks more time current existing old
  previous version everything all both unchanged running waiting going open here please instead yet see review
  again`);

/** What a clause of an option does: holds back ("Keep it", "Not now"), only fills ("for now"), or acts. */
function clauseKind(clause: string): 'holds' | 'fills' | 'acts' {
  const words = clause.split(' ').filter(Boolean);
  const [first, second] = words;
  if (first !== undefined && (NEGATIONS.has(first) || (first === 'do' && second === 'not'))) return 'holds';
  if (!words.every((w) => HOLD_BACK.has(w) || FILLER.has(w) || /^\d+$/.test(w))) return 'acts';
  return words.some((w) => HOLD_BACK.has(w)) ? 'holds' : 'fills';
}

/**
 * True when the option holds back rather than does the risky thing: split at punctuation and at "and", "then",
 * "but", "or", some clause starts with a negation or is hold-back words with filler, and no clause names anything
 * else — "Wait", "Keep it", "Reject", "No, keep it", "Don't deploy", "Let's wait and see". Anything naming something to act on ("Cancel subscription", "Skip
 * tests and deploy", "Stop the server") is not safe: a needless confirm costs a click, a missing one costs more.
 */
export function isHoldBackOption(option: string): boolean {
  const text = option
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^\p{L}\p{N}'\s,;:.!?…—–/-]/gu, ' ');
  const kinds = text
    .split(/[,;:.!?…—–/]+|\s-\s|\s(?:and|then|but|or)\s/)
    .map((c) => c.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .map(clauseKind);
  return kinds.includes('holds') && !kinds.includes('acts');
}

/**
 * True when clicking this option should look dangerous (red) and ask "are you sure?". A token's
 * `destructive_options`, when it lists any, decide alone. Otherwise, on a `sensitive_action` or `critical` token,
 * every option that does not hold back (see isHoldBackOption) is dangerous; on other tokens none is.
 */
export function isDangerous(
  token: Pick<Token, 'reason' | 'severity' | 'destructive_options'>,
  option: string,
): boolean {
  if (token.destructive_options.length > 0) return token.destructive_options.includes(option);
  if (token.reason !== 'sensitive_action' && token.severity !== 'critical') return false;
  return !isHoldBackOption(option);
}
