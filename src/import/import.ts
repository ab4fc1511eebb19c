import type { TokenStatus } from '../domain/token.js';
import { type FieldIssue, ValidationError } from '../errors.js';
import type { ClosedStatus, ImportOptions, ImportOutcome } from '../lifecycle/import.js';
import { isNaiveIsoTime } from '../time.js';
import type { ImportFormat, ParsedImport } from './parse.js';

/** Whether a token's created_at or deadline has no offset (Python's naive local times). */
function hasNaiveTimes(raw: unknown): boolean {
  const t = raw as { created_at?: unknown; deadline?: unknown } | null;
  return [t?.created_at, t?.deadline].some((v) => typeof v === 'string' && isNaiveIsoTime(v));
}

/** The purgatory as an import uses it. */
export interface ImportTarget {
  importTokens(raws: readonly unknown[], options: ImportOptions): Promise<ImportOutcome[]>;
}

/** What an import did (or, in a dry run, would do), entry by entry in file order. */
export interface ImportReport {
  format: ImportFormat;
  dry_run: boolean;
  runner: string;
  counts: {
    /** Entries in the file: tokens and unparsable lines. */
    read: number;
    live: number;
    history: number;
    skipped: number;
    refused: number;
  };
  /** Pending tokens created (cards posted, follow-ups scheduled). */
  live: string[];
  /** Closed tokens stored as history, with the status their terminal timestamp gave them. */
  history: { id: string; status: ClosedStatus }[];
  /** Ids already present: stored before this import, or earlier in the same file. */
  skipped: { id: string; at: string; status: TokenStatus; reason: string }[];
  refused: {
    id: string | null;
    at: string;
    line: number | null;
    code: string;
    message: string;
    issues: FieldIssue[];
  }[];
  /** Things worth a look that refused nothing (an offset guessed for naive times). */
  warnings: string[];
}

/**
 * The runner that will own imported tokens: the one asked for, which must hold a secret in RODIZIO_API_TOKENS
 * (an agent polls its reentries with it); without one, the only configured runner.
 */
export function resolveImportRunner(requested: string | undefined, configured: readonly string[]): string {
  const known = configured.length ? configured.map((r) => `"${r}"`).join(', ') : 'none';
  if (requested !== undefined) {
    if (configured.includes(requested)) return requested;
    const message = `"${requested}" is not a runner in RODIZIO_API_TOKENS (configured: ${known})`;
    throw new ValidationError(`unknown runner: ${message}`, [{ path: 'runner', message }]);
  }
  if (configured.length === 1) return configured[0] as string;
  const message =
    configured.length === 0
      ? 'no runner is configured in RODIZIO_API_TOKENS: add one to own the imported tokens'
      : `name the runner that owns the imported tokens (configured: ${known})`;
  throw new ValidationError(`the runner is required: ${message}`, [{ path: 'runner', message }]);
}

/** Imports what `parseImport` read and reports it. */
export async function importParsed(
  target: ImportTarget,
  parsed: ParsedImport,
  options: ImportOptions,
): Promise<ImportReport> {
  const tokens = parsed.entries.flatMap((e) => (e.kind === 'token' ? [e] : []));
  const outcomes = await target.importTokens(
    tokens.map((e) => e.raw),
    options,
  );
  const report: ImportReport = {
    format: parsed.format,
    dry_run: options.dryRun ?? false,
    runner: options.runner,
    counts: { read: parsed.entries.length, live: 0, history: 0, skipped: 0, refused: 0 },
    live: [],
    history: [],
    skipped: [],
    refused: [],
    warnings: [],
  };
  const readAsUtc: string[] = [];
  let next = 0;
  for (const entry of parsed.entries) {
    if (entry.kind === 'refused') {
      const { at, line, id, message, issues } = entry;
      report.refused.push({ id, at, line, code: 'invalid_request', message, issues });
      continue;
    }
    const outcome = outcomes[next++];
    if (!outcome) throw new Error(`the import returned no outcome for ${entry.at}`);
    switch (outcome.outcome) {
      case 'live':
        report.live.push(outcome.id);
        if (outcome.timeOffset === null && hasNaiveTimes(entry.raw)) readAsUtc.push(outcome.id);
        break;
      case 'history':
        report.history.push({ id: outcome.id, status: outcome.status });
        break;
      case 'skipped':
        report.skipped.push({
          id: outcome.id,
          at: entry.at,
          status: outcome.status,
          reason: outcome.earlier ? 'the same id came earlier in this file' : `already stored (${outcome.status})`,
        });
        break;
      case 'refused': {
        const { error } = outcome;
        const issues = error instanceof ValidationError ? error.issues : [];
        report.refused.push({
          id: outcome.id,
          at: entry.at,
          line: entry.line,
          code: error.code,
          message: error.message,
          issues,
        });
        break;
      }
    }
  }
  if (readAsUtc.length > 0) {
    // Imports never infer an offset from created_at (a saved token arrives long after it was made), so without a
    // declared zone naive times are read as UTC, which puts a New York agent's deadlines five hours early.
    report.warnings.push(
      `naive times of ${readAsUtc.length} live token(s) were read as UTC: ${readAsUtc.join(', ')}. Declare ` +
        `runners.${options.runner}.timezone in RODIZIO_CONFIG before importing tokens from agents outside UTC.`,
    );
  }
  report.counts.live = report.live.length;
  report.counts.history = report.history.length;
  report.counts.skipped = report.skipped.length;
  report.counts.refused = report.refused.length;
  return report;
}

/** The report for people: one summary line, then what was skipped and refused. */
export function formatImportReport(report: ImportReport): string {
  const c = report.counts;
  const verb = report.dry_run ? 'would import' : 'imported';
  const lines = [
    `${report.dry_run ? 'dry run: ' : ''}${c.read} read (${report.format.replace('_', ' ')}), ${verb} ${c.live + c.history} ` +
      `for runner "${report.runner}": ${c.live} live, ${c.history} history; ${c.skipped} skipped, ${c.refused} refused`,
  ];
  if (report.live.length) lines.push(`live: ${report.live.join(' ')}`);
  if (report.history.length) lines.push(`history: ${report.history.map((h) => `${h.id} (${h.status})`).join(' ')}`);
  for (const s of report.skipped) lines.push(`skipped ${s.id} at ${s.at}: ${s.reason}`);
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  for (const r of report.refused) {
    lines.push(`refused ${r.id ?? '(no id)'} at ${r.at}: ${r.message}`);
    for (const i of r.issues) lines.push(`  ${i.path}: ${i.message}`);
  }
  return `${lines.join('\n')}\n`;
}
