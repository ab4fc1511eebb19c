import { COPIED_TABLES, type CopiedTable } from '../store/copy.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { type Command, UsageError } from './command.js';

/** Rows per read and per insert transaction: large enough to be quick, small enough to keep memory flat. */
const BATCH = 500;

/** Copies every copied table from `from` into `to`; returns the rows copied per table. */
export async function copyStore(from: Store, to: Store): Promise<Record<CopiedTable, number>> {
  const counts = {} as Record<CopiedTable, number>;
  for (const { name } of COPIED_TABLES) {
    let copied = 0;
    for (;;) {
      const rows = await from.copy.read(name, copied, BATCH);
      if (rows.length === 0) break;
      await to.copy.write(name, rows);
      copied += rows.length;
      if (rows.length < BATCH) break;
    }
    counts[name] = copied;
  }
  await to.copy.finish();
  return counts;
}

export const migrateStoreCommand: Command = {
  name: 'migrate-store',
  summary: 'Copy a SQLite purgatory into a Postgres database (moving up to several replicas)',
  usage: 'rodizio migrate-store --from <sqlite path> --to <postgres url> [--force]',
  details:
    'Copies tokens, audit events and chain heads, notes, approvals, follow-up state, subscriptions, phase-file\n' +
    'state, grants, commit refs, identity links, digest and group membership, and the unfinished outbox jobs and\n' +
    'Slack requests, in one pass, and prints how many rows of each. Stop the bridge first. The target is migrated\n' +
    'to the current schema; it must be empty unless --force, which empties it.',
  options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } },
  positionals: 0,
  async run({ values, io }) {
    const fromPath = values.from as string | undefined;
    const toUrl = values.to as string | undefined;
    if (!fromPath || !toUrl) throw new UsageError('--from and --to are both required');
    if (isPostgresUrl(fromPath)) throw new UsageError('--from is the SQLite file to copy from');
    if (!isPostgresUrl(toUrl)) throw new UsageError('--to must be a postgres:// or postgresql:// URL');
    const from = await openStore(fromPath, { migrate: false });
    try {
      const { current, known } = await from.schemaVersion();
      if (current === 0) throw new UsageError(`${fromPath} is not a rodizio database (schema version 0)`);
      if (current !== known) {
        throw new UsageError(
          `${fromPath} is at schema ${current}, this rodizio at ${known}: run \`rodizio migrate\` on it first`,
        );
      }
      const to = await openStore(toUrl);
      try {
        const used: string[] = [];
        for (const { name } of COPIED_TABLES) if ((await to.copy.count(name)) > 0) used.push(name);
        if (used.length > 0 && !values.force) {
          io.stderr(
            `rodizio migrate-store: ${to.location} already holds rows (${used.join(', ')}); nothing was copied. ` +
              'Use --force to empty it first.\n',
          );
          return 1;
        }
        if (used.length > 0) await to.copy.clear();
        const counts = await copyStore(from, to);
        const width = Math.max(...COPIED_TABLES.map((t) => t.name.length));
        io.stdout(
          `copied ${from.location} → ${to.location}\n${COPIED_TABLES.map((t) => `  ${t.name.padEnd(width)}  ${counts[t.name]}`).join('\n')}\n`,
        );
        return 0;
      } finally {
        await to.close();
      }
    } finally {
      await from.close();
    }
  },
};
