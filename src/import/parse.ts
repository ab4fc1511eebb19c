import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../errors.js';
import { MAX_JSON_DEPTH, parseJsonText } from '../json.js';
import { zodIssues } from '../validation.js';

/** The three shapes an import reads. */
export const ImportFormat = z.enum(['saved_purgatory', 'json_array', 'json_lines']);
export type ImportFormat = z.infer<typeof ImportFormat>;

/**
 * What the caller knows about the text: `json` (one JSON document: a saved purgatory file or an array), `lines`
 * (JSON lines), or `auto` (decide from the text; the CLI's default).
 */
export type FormatHint = 'auto' | 'json' | 'lines';

/** One entry of the file, in file order: a candidate token, or one refused before it could be (a bad line). */
export type ImportEntry =
  | { kind: 'token'; raw: unknown; at: string; line: number | null }
  | { kind: 'refused'; at: string; line: number | null; id: string | null; message: string; issues: FieldIssue[] };

export interface ParsedImport {
  format: ImportFormat;
  entries: ImportEntry[];
}

/** The Python purgatory's `save()` file. Extra top-level keys are tolerated; the version is not. */
const SavedPurgatory = z.object({
  tokens: z.record(z.string(), z.unknown(), { error: 'must be an object mapping token ids to tokens' }),
  version: z.literal(1, {
    error: (issue) => `version ${JSON.stringify(issue.input)} is not supported: rodizio reads version 1`,
  }),
});

/** A saved file nests each token two levels down (`{"tokens": {"<id>": {...}}}`): keep a token's own allowance. */
const DOCUMENT_DEPTH = MAX_JSON_DEPTH + 2;

const SHAPES =
  'a saved purgatory file ({"tokens": {"<id>": <token>}, "version": 1}), a JSON array of tokens, or JSON lines (one token per line)';

/**
 * Splits an import file into candidate tokens with where each came from. A file that cannot be read as any of the
 * three shapes is one ValidationError (nothing is imported); a bad line of JSON lines is one refused entry.
 */
export function parseImport(text: string, hint: FormatHint = 'auto'): ParsedImport {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ValidationError(`the file is empty: expected ${SHAPES}`);
  if (hint === 'lines') return parseLines(body);

  const first = body.trimStart()[0];
  if (hint === 'json' || first === '[') return parseDocument(parseJsonText(body, 'the file', DOCUMENT_DEPTH), hint);

  // Auto: one JSON document, else JSON lines when at least the first line is JSON on its own.
  let whole: unknown;
  try {
    whole = parseJsonText(body, 'the file', DOCUMENT_DEPTH);
  } catch (err) {
    const firstLine = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    if (isJson(firstLine)) return parseLines(body);
    throw err;
  }
  // A single token on a single line is JSON lines with one line, not a wrongly shaped saved file.
  if (isObject(whole) && !('tokens' in whole) && !('version' in whole) && body.trim().split(/\r?\n/).length === 1) {
    return parseLines(body);
  }
  return parseDocument(whole, hint);
}

function parseDocument(value: unknown, hint: FormatHint): ParsedImport {
  if (Array.isArray(value)) {
    return {
      format: 'json_array',
      entries: value.map((raw, i) => ({ kind: 'token', raw, at: `item ${i}`, line: null })),
    };
  }
  if (!isObject(value)) {
    throw new ValidationError(`the file is ${describe(value)}: expected ${SHAPES}`, [
      { path: '(root)', message: `expected an object or an array, got ${describe(value)}` },
    ]);
  }
  if (!('tokens' in value) && !('version' in value)) {
    const lines = hint === 'json' ? ' (send JSON lines as application/x-ndjson)' : '';
    throw new ValidationError(`the file is a JSON object without "tokens" and "version": expected ${SHAPES}${lines}`, [
      { path: 'tokens', message: 'required in a saved purgatory file' },
    ]);
  }
  const saved = SavedPurgatory.safeParse(value);
  if (!saved.success) {
    throw new ValidationError('the file is not a saved purgatory file rodizio can read', zodIssues(saved.error));
  }
  const entries: ImportEntry[] = Object.entries(saved.data.tokens).map(([key, raw]): ImportEntry => {
    const at = `tokens[${JSON.stringify(key)}]`;
    if (!isObject(raw)) return { kind: 'token', raw, at, line: null };
    // The key is the id in the Python file; a token without its own id takes it, a different one is suspect.
    if (raw.id === undefined) return { kind: 'token', raw: { ...raw, id: key }, at, line: null };
    if (raw.id !== key) {
      const message = `the token's id ${JSON.stringify(raw.id)} differs from its key ${JSON.stringify(key)}`;
      return { kind: 'refused', at, line: null, id: key, message, issues: [{ path: 'id', message }] };
    }
    return { kind: 'token', raw, at, line: null };
  });
  return { format: 'saved_purgatory', entries };
}

function parseLines(body: string): ParsedImport {
  const entries: ImportEntry[] = [];
  body.split(/\r?\n/).forEach((text, i) => {
    if (text.trim() === '') return;
    const line = i + 1;
    const at = `line ${line}`;
    try {
      entries.push({ kind: 'token', raw: parseJsonText(text, at), at, line });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      entries.push({ kind: 'refused', at, line, id: null, message: err.message, issues: err.issues });
    }
  });
  return { format: 'json_lines', entries };
}

function isJson(text: string): boolean {
  try {
    parseJsonText(text, 'the line');
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
