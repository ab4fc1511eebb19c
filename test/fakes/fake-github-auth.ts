/** How the fake GitHub tells callers apart: app JWTs (RS256, checked like GitHub does), installation tokens it issued, and personal tokens. */
import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { Clock } from '../../src/clock.js';
import type { FakeInstallationToken, GitHubUser } from './fake-github-types.js';

/** GitHub's own 401 messages for app JWTs; @octokit/auth-app matches the three time-skew ones to retry. */
export const JWT_ERRORS = {
  undecodable: 'A JSON web token could not be decoded',
  iat: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooFar: "'Expiration time' claim ('exp') is too far in the future",
  issuer: 'Integration not found',
} as const;

/** Clock skew GitHub tolerates on `iat`, and the longest lifetime it allows an app JWT, in seconds. */
const IAT_LEEWAY_S = 60;
const MAX_JWT_LIFETIME_S = 600;
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The scheme and credential of an `Authorization` header (`token X` or `Bearer X`, any case). */
export function parseAuthorization(
  header: string | undefined,
): { scheme: 'token' | 'bearer'; value: string } | undefined {
  const m = header?.match(/^(token|bearer)\s+(\S+)\s*$/i);
  if (!m?.[1] || !m[2]) return undefined;
  return { scheme: m[1].toLowerCase() as 'token' | 'bearer', value: m[2] };
}

export interface AuthOptions {
  clock: Clock;
  token?: string;
  appId?: number | string;
  appPublicKey?: string;
  appSlug: string;
  login: string;
}

export class GitHubAuth {
  readonly #o: AuthOptions;
  readonly #key: KeyObject | undefined;
  readonly #tokens = new Map<string, FakeInstallationToken>();
  readonly issued: FakeInstallationToken[] = [];
  readonly bot: GitHubUser;
  readonly user: GitHubUser;

  constructor(options: AuthOptions) {
    this.#o = options;
    // createPublicKey takes a private key PEM too and keeps its public half.
    this.#key = options.appPublicKey ? createPublicKey(options.appPublicKey) : undefined;
    this.bot = { login: `${options.appSlug}[bot]`, id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=', type: 'Bot' };
    this.user = { login: options.login, id: 1, node_id: 'MDQ6VXNlcjE=', type: 'User' };
  }

  /** Why GitHub would refuse this app JWT, or undefined if it is good. */
  checkJwt(jwt: string): string | undefined {
    const [head, body, sig, ...rest] = jwt.split('.');
    if (head === undefined || body === undefined || sig === undefined || rest.length > 0) return JWT_ERRORS.undecodable;
    const header = decodeJson(head);
    const claims = decodeJson(body);
    if (!header || !claims || header.alg !== 'RS256') return JWT_ERRORS.undecodable;
    if (this.#key && !verify('sha256', Buffer.from(`${head}.${body}`), this.#key, Buffer.from(sig, 'base64url'))) {
      return JWT_ERRORS.undecodable;
    }
    const now = Math.floor(this.#o.clock.now() / 1000);
    const { iat, exp, iss } = claims;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + IAT_LEEWAY_S) return JWT_ERRORS.iat;
    if (typeof exp !== 'number' || exp <= now) return JWT_ERRORS.expired;
    if (exp > now + MAX_JWT_LIFETIME_S + IAT_LEEWAY_S || exp - iat > MAX_JWT_LIFETIME_S) return JWT_ERRORS.tooFar;
    if (this.#o.appId !== undefined && String(iss) !== String(this.#o.appId)) return JWT_ERRORS.issuer;
    return undefined;
  }

  /** A fresh `ghs_` installation token, valid for an hour. */
  issue(installationId: number): FakeInstallationToken {
    const bytes = randomBytes(36);
    const token = `ghs_${Array.from(bytes, (b) => BASE62[b % BASE62.length]).join('')}`;
    const issued = { token, installationId, expiresAt: this.#o.clock.now() + TOKEN_LIFETIME_MS };
    this.#tokens.set(token, issued);
    this.issued.push(issued);
    return issued;
  }

  /** Who a token acts as, or undefined if GitHub would answer "Bad credentials". */
  whoIs(token: string): GitHubUser | undefined {
    const installation = this.#tokens.get(token);
    if (installation) return installation.expiresAt > this.#o.clock.now() ? this.bot : undefined;
    if (this.#o.token !== undefined) return token === this.#o.token ? this.user : undefined;
    return token.startsWith('ghs_') ? this.bot : this.user;
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
