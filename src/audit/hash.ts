import { createHash } from 'node:crypto';

/**
 * What an audit event's hash covers: everything stored about it except `seq`, plus the hashes it follows. `seq`
 * is left out on purpose: a copy between engines keeps it anyway, and a row moved to another `seq` then shows
 * as "order broken" (its links no longer fit its place) rather than as an edit.
 */
export interface HashedContent {
  token_id: string | null;
  type: string;
  at_ms: number;
  actor: string | null;
  /** The payload as a JSON value (parsed from the stored text; see `parseData`). */
  data: unknown;
  /** The hash of the event before it in the whole log; null for the first event. */
  prev_hash: string | null;
  /** The hash of the same token's event before it; null for the token's first event and for store events. */
  token_prev_hash: string | null;
}

/** Bumped if the hashed content ever changes, so old and new hashes never compare equal by accident. */
const DOMAIN = 'rodizio-audit-v1\n';

/**
 * JSON with object keys sorted (recursively), no whitespace, and `undefined` members left out, as
 * `JSON.stringify` does. Two parses of the same JSON, however it was formatted, give the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The stored `data` text as a JSON value. Text that does not parse (someone edited it by hand) is hashed as the
 * string itself, so it still fails verification instead of stopping it.
 */
export function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The canonical JSON of an event's content split around its two links: `before + json(prev_hash) + between +
 * json(token_prev_hash) + after` (with the domain prefix in front) is exactly what `eventHash` hashes. The
 * engines fill the links in inside their INSERT, from the heads they read and lock there, so an append stays
 * one statement (see src/store/<engine>/events.ts).
 */
export type HashTemplate = [before: string, between: string, after: string];

/** The template of an event's hash: its content, without the two links. */
export function hashTemplate(content: Omit<HashedContent, 'prev_hash' | 'token_prev_hash'>): HashTemplate {
  // Keys in sorted order: actor, at_ms, data, prev_hash, token_id, token_prev_hash, type.
  return [
    `${DOMAIN}{"actor":${canonicalJson(content.actor)},"at_ms":${canonicalJson(content.at_ms)},"data":${canonicalJson(content.data)},"prev_hash":`,
    `,"token_id":${canonicalJson(content.token_id)},"token_prev_hash":`,
    `,"type":${canonicalJson(content.type)}}`,
  ];
}

/** SHA-256 (hex) of a template with its links filled in. */
export function hashWithLinks(template: HashTemplate, prevHash: string | null, tokenPrevHash: string | null): string {
  const [before, between, after] = template;
  return createHash('sha256')
    .update(`${before}${canonicalJson(prevHash)}${between}${canonicalJson(tokenPrevHash)}${after}`)
    .digest('hex');
}

/** SHA-256 (hex) over the canonical JSON (sorted keys) of the event's content and the hashes it follows. */
export function eventHash(content: HashedContent): string {
  return hashWithLinks(hashTemplate(content), content.prev_hash, content.token_prev_hash);
}

/** The first 12 hex digits, for messages. */
export function shortHash(hash: string | null): string {
  return hash === null ? '(none)' : `${hash.slice(0, 12)}…`;
}
