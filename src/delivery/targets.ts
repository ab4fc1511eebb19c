import { realpathSync } from 'node:fs';
import { basename, isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { DeliveryAllow, FileConfig } from '../config-file.js';
import type { Delivery } from '../domain/token.js';
import { ValidationError } from '../errors.js';
import { ipLiteral, nonPublicKind } from './addresses.js';
import { matchesHost, matchesPrefix, parseHostPattern, parseUrlPrefix } from './url-patterns.js';

/** A refused delivery target: the field of the token it concerns and why, in words an agent's author can act on. */
export interface TargetRefusal {
  field: 'delivery.url' | 'delivery.session' | 'delivery.dir' | 'delivery.path';
  reason: string;
}

/** What a runner may aim its reentries at, with the defaults filled in. */
export interface RunnerRules {
  runner: string;
  allow: DeliveryAllow;
  /** The runner's default `delivery` from the config file: the operator wrote it, so it is trusted as it is. */
  trusted: Delivery | undefined;
}

const NO_RULES: DeliveryAllow = { private_networks: false, file_dirs: [], tmux_sessions: [] };

/**
 * The sandbox's `demo` runner (local only, its secret beside the database) may use loopback webhooks and any
 * tmux session unless the config file gives it rules of its own.
 */
export const SANDBOX_DEMO_ALLOW: DeliveryAllow = {
  webhook_hosts: ['127.0.0.1', 'localhost', '[::1]'],
  private_networks: true,
  file_dirs: [],
  tmux_sessions: ['*'],
};

/** The rules for `runner` from `runners.<name>.allow` (none configured: public webhooks only). */
export function runnerRules(config: { file: FileConfig; sandbox: boolean }, runner: string): RunnerRules {
  const entry = config.file.runners[runner];
  const fallback = config.sandbox && runner === 'demo' ? SANDBOX_DEMO_ALLOW : NO_RULES;
  return { runner, allow: entry?.allow ?? fallback, trusted: entry?.delivery };
}

/** True when `delivery` is the operator's default for the runner (it may then go anywhere). */
export function isTrusted(rules: RunnerRules, delivery: Delivery): boolean {
  return rules.trusted !== undefined && targetText(rules.trusted) === targetText(delivery);
}

/** A target as one string: kind and place. */
function targetText(d: Delivery): string {
  const place = d.type === 'webhook' ? d.url : d.type === 'tmux' ? d.session : d.type === 'file' ? d.dir : d.path;
  return `${d.type}:${place}`;
}

const key = (rules: RunnerRules, name: keyof DeliveryAllow) => `runners.${rules.runner}.allow.${name}`;

// ---- webhooks ------------------------------------------------------------------------------------------

/** Why the bridge may not connect to `address` for this runner (`via`: the name it came from), or undefined. */
export function addressRefusal(rules: RunnerRules, address: string, via?: string): string | undefined {
  if (rules.allow.private_networks) return undefined;
  const kind = nonPublicKind(address);
  if (kind === undefined) return undefined;
  const what = via
    ? `${via} resolves to ${address}, not a public address (${kind})`
    : `${address} is not a public address (${kind})`;
  return `${what}; runner "${rules.runner}" may not reach private networks (${key(rules, 'private_networks')})`;
}

/**
 * The URL half of the webhook rules (checked when the token is created and again before each POST): the
 * scheme, the host and port or URL prefix, and, for an IP literal, its address. A DNS name's addresses are
 * checked when the bridge connects (see guarded-http.ts).
 */
export function checkWebhookUrl(rules: RunnerRules, text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  const { webhook_hosts: hosts, webhook_prefixes: prefixes } = rules.allow;
  if (hosts !== undefined || prefixes !== undefined) {
    const byHost = (hosts ?? []).some((h) => {
      const p = parseHostPattern(h);
      return typeof p !== 'string' && matchesHost(p, url);
    });
    const byPrefix = (prefixes ?? []).some((t) => {
      const p = parseUrlPrefix(t);
      return typeof p !== 'string' && matchesPrefix(p, url);
    });
    if (!byHost && !byPrefix) {
      return (
        `${url.host} is not a webhook host runner "${rules.runner}" may use ` +
        `(${key(rules, 'webhook_hosts')} / ${key(rules, 'webhook_prefixes')})`
      );
    }
  }
  const literal = ipLiteral(url.hostname);
  return literal === undefined ? undefined : addressRefusal(rules, literal);
}

// ---- files -------------------------------------------------------------------------------------------

/**
 * `path` with every symlink resolved: the real path of its nearest existing ancestor plus the parts that do
 * not exist yet (they hold no `..`, the path being normalised first). Throws for other errors (EACCES, ELOOP).
 */
export function resolveNearest(path: string, realpath: (p: string) => string = realpathSync): string {
  const missing: string[] = [];
  let current = normalize(path);
  for (;;) {
    try {
      return join(realpath(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = join(current, '..');
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw err;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** True when `inner` is `outer` itself (`allowSame`) or somewhere below it. */
function isInside(outer: string, inner: string, allowSame: boolean): boolean {
  const rel = relative(outer, inner);
  if (rel === '') return allowSame;
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * A file or reply-file target must sit inside one of `file_dirs`: first lexically (so a runner cannot make the
 * bridge stat paths elsewhere), then with symlinks resolved on both sides, so `..` and links cannot leave.
 */
export function checkFilePath(
  rules: RunnerRules,
  path: string,
  what: 'folder' | 'file',
  realpath: (p: string) => string = realpathSync,
): string | undefined {
  const dirs = rules.allow.file_dirs;
  if (dirs.length === 0) {
    return `file targets are not allowed for runner "${rules.runner}" (${key(rules, 'file_dirs')} is empty)`;
  }
  if (path.includes('\0')) return 'must not contain NUL characters';
  if (!isAbsolute(path)) return 'must be an absolute path';
  const wanted = normalize(path);
  const inside = (dir: string, p: string) => isInside(dir, p, what === 'folder');
  const outside = `outside the folders runner "${rules.runner}" may write to (${key(rules, 'file_dirs')})`;
  // Operator folders are resolved on disk; the runner's path only once it lies lexically under one of them.
  const allowed = dirs.map((d) => {
    const literal = normalize(d);
    try {
      return { literal, real: resolveNearest(literal, realpath) };
    } catch {
      return { literal, real: undefined };
    }
  });
  if (!allowed.some((d) => inside(d.literal, wanted) || (d.real !== undefined && inside(d.real, wanted)))) {
    return `${wanted} is ${outside}`;
  }
  let real: string;
  try {
    real = resolveNearest(wanted, realpath);
  } catch (err) {
    return `${wanted} cannot be resolved: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (allowed.some((d) => d.real !== undefined && inside(d.real, real))) return undefined;
  return real === wanted ? `${wanted} is ${outside}` : `${wanted} leads through a symlink to ${real}, ${outside}`;
}

// ---- tmux --------------------------------------------------------------------------------------------

/** A `tmux_sessions` glob (`*` any run of characters, `?` one) as an anchored regular expression. */
export function sessionGlob(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

// ---- all kinds ---------------------------------------------------------------------------------------

/**
 * Whether the runner may aim a reentry at `delivery`: undefined when it may, else the field and the reason.
 * The runner's configured default is trusted as it is. File targets are resolved on disk (see checkFilePath).
 */
export function checkDeliveryTarget(
  rules: RunnerRules,
  delivery: Delivery,
  realpath: (p: string) => string = realpathSync,
): TargetRefusal | undefined {
  if (isTrusted(rules, delivery)) return undefined;
  const refusal = (field: TargetRefusal['field'], reason: string | undefined) =>
    reason === undefined ? undefined : { field, reason };
  switch (delivery.type) {
    case 'webhook':
      return refusal('delivery.url', checkWebhookUrl(rules, delivery.url));
    case 'file':
      return refusal('delivery.dir', checkFilePath(rules, delivery.dir, 'folder', realpath));
    case 'reply_file':
      return refusal('delivery.path', checkFilePath(rules, delivery.path, 'file', realpath));
    case 'tmux':
      return rules.allow.tmux_sessions.some((g) => sessionGlob(g).test(delivery.session))
        ? undefined
        : refusal(
            'delivery.session',
            `tmux session "${delivery.session}" is not allowed for runner "${rules.runner}" (${key(rules, 'tmux_sessions')})`,
          );
  }
}

/**
 * The create-time hook for the purgatory: throws a ValidationError naming the field when the token's runner
 * may not use its delivery target, so nothing is stored.
 */
export function createDeliveryGuard(config: { file: FileConfig; sandbox: boolean; hostId?: string }) {
  return (runner: string, delivery: Delivery): void => {
    // A file target on another host is judged by its path alone here: this machine's disk says nothing about that
    // one's (symlinks, existing folders). The replica on that host checks it on its own disk before writing.
    const host = delivery.type === 'webhook' ? null : (delivery.host ?? config.file.runners[runner]?.host ?? null);
    const elsewhere = host !== null && config.hostId !== undefined && host !== config.hostId;
    const refused = checkDeliveryTarget(runnerRules(config, runner), delivery, elsewhere ? (p) => p : realpathSync);
    if (refused) {
      throw new ValidationError(`the delivery target is not allowed for runner "${runner}"`, [
        { path: refused.field, message: refused.reason },
      ]);
    }
  };
}

/** How the bridge may connect for one webhook delivery: refused outright, or which addresses to refuse. */
export type WebhookPolicy =
  | { refused: string }
  | { refused?: undefined; refuse(address: string, via?: string): string | undefined; pool: string };

/**
 * The connect-time half: the URL is checked again against the runner's rules as they are now (they may have
 * changed since the token was created), and every address the bridge connects to is judged by them. The
 * operator's default target may reach any address.
 */
export function webhookPolicy(
  config: { file: FileConfig; sandbox: boolean },
  runner: string,
  url: string,
): WebhookPolicy {
  const rules = runnerRules(config, runner);
  if (isTrusted(rules, { type: 'webhook', url })) return { refuse: () => undefined, pool: 'trusted' };
  const refused = checkWebhookUrl(rules, url);
  if (refused !== undefined) return { refused };
  return {
    refuse: (address, via) => addressRefusal(rules, address, via),
    pool: rules.allow.private_networks ? 'private' : 'public',
  };
}
