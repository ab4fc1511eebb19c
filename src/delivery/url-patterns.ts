import { ipLiteral } from './addresses.js';

/* `webhook_hosts` and `webhook_prefixes` entries, compared on parsed URLs (never as raw strings). */

/** A parsed `webhook_hosts` entry. */
export interface HostPattern {
  kind: 'any' | 'exact' | 'subdomains';
  /** Lower-case, IDNA-normalised; IPv6 in brackets; no trailing dot. Empty for `*`. */
  host: string;
  /** Undefined: any port. */
  port: number | undefined;
}

/** A URL's host as rules compare it: lower case, IPv4 spellings normalised (URL parsing does that), no final dot. */
function hostOf(url: URL): string {
  return url.hostname.replace(/\.$/, '');
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Parses `host`, `host:port`, `[v6]:port`, `*.example.com` or `*`; a string says what is wrong. */
export function parseHostPattern(text: string): HostPattern | string {
  if (text === '*') return { kind: 'any', host: '', port: undefined };
  const m = /^(\*\.)?([^\s/?#@[\]:*]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(text);
  if (!m?.[2]) return 'must be a host, host:port, [IPv6]:port, *.example.com or *';
  let host: string;
  try {
    host = hostOf(new URL(`http://${m[2]}/`));
  } catch {
    return `"${m[2]}" is not a valid host name`;
  }
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return 'the port must be 1 to 65535';
  if (m[1] && ipLiteral(host)) return '"*." goes with a domain name, not an IP address';
  return { kind: m[1] ? 'subdomains' : 'exact', host, port };
}

/** Parses a `webhook_prefixes` entry: an http(s) URL without credentials, query or fragment. */
export function parseUrlPrefix(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not hold a user name or password';
  if (url.search || url.hash || /[?#]/.test(text)) return 'must not hold a query or fragment';
  return url;
}

/** True when `url`'s host and port fit the pattern. */
export function matchesHost(p: HostPattern, url: URL): boolean {
  if (p.port !== undefined && p.port !== portOf(url)) return false;
  const host = hostOf(url);
  if (p.kind === 'any') return true;
  if (p.kind === 'exact') return host === p.host;
  return host.endsWith(`.${p.host}`);
}

/** True when `url` has the prefix's scheme, host and port, and a path at or under its path. */
export function matchesPrefix(prefix: URL, url: URL): boolean {
  if (prefix.protocol !== url.protocol || hostOf(prefix) !== hostOf(url) || portOf(prefix) !== portOf(url)) {
    return false;
  }
  const path = prefix.pathname;
  return path.endsWith('/')
    ? url.pathname.startsWith(path)
    : url.pathname === path || url.pathname.startsWith(`${path}/`);
}
