import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ValidationError } from '../errors.js';
import { formatImportReport, importParsed, resolveImportRunner } from '../import/import.js';
import { parseImport } from '../import/parse.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';

function importer(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Import tokens from a Python purgatory file, a JSON array or JSON lines (pending live, closed as history)',
  usage: 'rodizio import <file|-> [--runner <name>] [--dry-run] [--json]',
  details: [
    'Formats (detected): the Python saved file {"tokens": {"<id>": <token>}, "version": 1}, a JSON array of',
    'tokens, or JSON lines (one token per line; "-" reads stdin).',
    'Pending tokens are created as if posted (cards, follow-ups); tokens with resolved_at, cancelled_at or',
    'voided_at are stored closed (resolved, cancelled, expired) with no Slack post and no delivery.',
    'Ids already stored are skipped. --runner names the owner (a runner in RODIZIO_API_TOKENS; default: the only',
    'one configured). --dry-run validates and reports without writing.',
    'Exit codes: 0 nothing refused, 1 some tokens refused (the rest are imported) or the file unreadable, 2 usage.',
  ].join('\n'),
  options: { runner: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...JSON_OPTION },
  positionals: 1,
  async run({ store, config, positionals, values, io }) {
    const file = positionals[0] as string;
    let runner: string;
    try {
      runner = resolveImportRunner(values.runner as string | undefined, [...config().apiTokens.keys()]);
    } catch (err) {
      if (err instanceof ValidationError) throw new UsageError(err.issues[0]?.message ?? err.message);
      throw err;
    }
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (err) {
      io.stderr(`rodizio import: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    const parsed = parseImport(text);
    const { purgatory } = await store();
    const report = await importParsed(purgatory, parsed, {
      runner,
      by: importer(),
      dryRun: values['dry-run'] === true,
    });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatImportReport(report));
    return report.counts.refused > 0 ? 1 : 0;
  },
};
