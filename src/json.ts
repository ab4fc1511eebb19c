import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';

/** JSON with object keys sorted at every depth, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${stableStringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A content fingerprint: sha256 of the stable JSON. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

/**
 * The deepest nesting of arrays and objects rodizio accepts in JSON it is sent (API bodies, Slack payloads, the
 * sandbox page API). The outermost array or object is level 1, so `{"original_event": {...}}` leaves 63 levels
 * for the event. Checked on the text before parsing, because schema validation recurses once per level.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting in JSON text, counted by one iterative scan (no recursion, so hostile input cannot
 * overflow the stack). Stops early once `stopAbove` is exceeded. The text need not be valid JSON.
 */
export function jsonTextDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if ((c === 0x7d || c === 0x5d) && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/** Parses JSON text that came from outside: a ValidationError (400) when it does not parse or nests too deep. */
export function parseJsonText(text: string, what = 'the body', maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonTextDepth(text, maxDepth) > maxDepth) {
    const message = `${what} nests arrays and objects more than ${maxDepth} levels deep (the limit is ${maxDepth})`;
    throw new ValidationError(message, [{ path: '(root)', message }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`${what} is not valid JSON: ${(err as Error).message}`, [], { cause: err });
  }
}
