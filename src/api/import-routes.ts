import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { type ImportTarget, importParsed, resolveImportRunner } from '../import/import.js';
import { type FormatHint, parseImport } from '../import/parse.js';
import { parseOrThrow } from '../validation.js';
import { type Authenticator, assertAdmin } from './auth.js';
import { readBody } from './http.js';
import type { Router } from './router.js';

/** A whole purgatory is bigger than one token: 32 MiB (about 30,000 typical tokens) instead of the API's 1 MiB. */
export const IMPORT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const ImportQuery = z.strictObject({
  runner: z.string().min(1).max(100).optional(),
  dry_run: z.stringbool().default(false),
});

export interface ImportRoutesDeps {
  purgatory: ImportTarget;
  auth: Authenticator;
  /** The runners in RODIZIO_API_TOKENS; imported tokens belong to one of them. */
  runners: () => readonly string[];
  maxBodyBytes?: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const LINES_TYPE = /^application\/(?:x-ndjson|jsonl|x-jsonlines)\s*(?:;|$)/i;

/** 415 that names both accepted types (the shared error only knows application/json). */
class ImportMediaTypeError extends UnsupportedMediaTypeError {
  constructor(got: string | undefined) {
    super(got);
    this.message =
      'expected Content-Type application/json (a saved purgatory file or a JSON array of tokens) or ' +
      `application/x-ndjson (JSON lines), got ${got ?? 'none'}`;
  }
}

/** Which format the body is in, from its Content-Type; checked before the body is read. */
function formatOf(req: IncomingMessage): FormatHint {
  const type = req.headers['content-type'];
  if (type && JSON_TYPE.test(type)) return 'json';
  if (type && LINES_TYPE.test(type)) return 'lines';
  throw new ImportMediaTypeError(type);
}

/** `POST /v1/import`: the admin imports a purgatory file (see `rodizio import`). */
export function registerImportRoutes(
  router: Router,
  { purgatory, auth, runners, maxBodyBytes = IMPORT_MAX_BODY_BYTES }: ImportRoutesDeps,
): void {
  router.add('POST', '/v1/import', async ({ req, query }) => {
    const actor = auth.authenticate(req);
    assertAdmin(actor, 'import tokens');
    const q = parseOrThrow(ImportQuery, Object.fromEntries(query), 'the query');
    const runner = resolveImportRunner(q.runner, runners());
    const hint = formatOf(req);
    const raw = await readBody(req, maxBodyBytes);
    if (raw.length === 0) throw new ValidationError('the body is empty: send the file to import');
    const parsed = parseImport(raw.toString('utf8'), hint);
    const report = await importParsed(purgatory, parsed, { runner, by: actor.runner, dryRun: q.dry_run });
    return { status: 200, body: report };
  });
}
