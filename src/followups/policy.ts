import type { Config } from '../config.js';
import type { Token } from '../domain/token.js';

export type EffectivePolicy = { kind: 'escalate' } | { kind: 'expire' } | { kind: 'resolve'; option: string };

/** The deadline policy that applies: the token's own, else its project's, else DEFAULT_EXPIRY_POLICY. */
export function effectivePolicy(config: Config, token: Pick<Token, 'expiry_policy' | 'project'>): EffectivePolicy {
  const policy =
    token.expiry_policy ??
    (token.project ? config.file.projects[token.project]?.expiry_policy : undefined) ??
    config.followups.defaultExpiryPolicy;
  if (policy.startsWith('resolve:')) return { kind: 'resolve', option: policy.slice('resolve:'.length) };
  return { kind: policy === 'expire' ? 'expire' : 'escalate' };
}
