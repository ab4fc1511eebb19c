import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Actor } from '../purgatory.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer authentication: each runner has its own secret, the admin token may act on every token.
 * Secrets are compared as SHA-256 digests in constant time, and every secret is checked, so timing does
 * not reveal which one nearly matched.
 */
export function createAuthenticator(apiTokens: Map<string, string>, adminToken: string | undefined) {
  const known = [...apiTokens].map(([runner, secret]) => ({ runner, admin: false, digest: digest(secret) }));
  if (adminToken) known.push({ runner: 'admin', admin: true, digest: digest(adminToken) });

  return {
    authenticate(req: IncomingMessage): Actor {
      const header = req.headers.authorization;
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) throw new UnauthorizedError('send Authorization: Bearer <runner secret>');
      const presented = digest(match[1] as string);
      let found: Actor | undefined;
      for (const k of known) {
        if (timingSafeEqual(k.digest, presented) && !found) found = { runner: k.runner, admin: k.admin };
      }
      if (!found) throw new UnauthorizedError('unknown bearer token');
      return found;
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** A runner may act on its own tokens only; the admin on all. */
export function assertOwner(actor: Actor, token: { id: string; runner: string }): void {
  if (!actor.admin && token.runner !== actor.runner) {
    throw new ForbiddenError(`token ${token.id} belongs to another runner`);
  }
}

/** Only the admin token may do this. */
export function assertAdmin(actor: Actor, what: string): void {
  if (!actor.admin) throw new ForbiddenError(`only the admin token may ${what}`);
}
