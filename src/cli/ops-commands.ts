import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { redeliver } from '../delivery/redeliver.js';
import { buildManifest } from '../slack/manifest.js';
import type { OutboxRow } from '../store/outbox.js';
import { formatIsoTime, parseIsoTime } from '../time.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';
import { oneLine, table } from './format.js';

const STATUSES = ['pending', 'done', 'dead'];

function jobJson(row: OutboxRow) {
  return {
    id: row.id,
    token_id: row.token_id,
    kind: row.kind,
    lane: row.lane,
    status: row.status,
    /** Only a replica that declares this host (RODIZIO_HOST_ID) runs the job; null: any replica. */
    host: row.host,
    attempts: row.attempts,
    run_at: formatIsoTime(row.run_at_ms),
    created_at: formatIsoTime(row.created_ms),
    last_error: row.last_error,
  };
}

export const outboxCommand: Command = {
  name: 'outbox',
  summary: 'Show side-effect jobs (Slack posts, deliveries); `outbox retry <job-id>` revives a dead one',
  usage:
    'rodizio outbox [--status pending|done|dead] [--kind slack.] [--token <id>] [--limit N] [--json]\n       rodizio outbox retry <job-id>',
  details:
    'Dead jobs ran out of retries or were refused outright; last_error says why. Retrying resets their attempts.',
  options: {
    status: { type: 'string' },
    kind: { type: 'string' },
    token: { type: 'string' },
    limit: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: [0, 2],
  async run({ store, positionals, values, io }) {
    const [verb, id] = positionals;
    if (verb !== undefined && verb !== 'retry') throw new UsageError(`unknown outbox action "${verb}"`);
    if (verb === 'retry' && !/^\d+$/.test(id ?? '')) throw new UsageError('outbox retry needs a job id (a number)');
    const status = values.status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status))
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be 1 to 10000');
    const { purgatory } = await store();
    const outbox = purgatory.store.outbox;
    if (verb === 'retry') {
      if (!(await outbox.revive(Number(id), io.clock.now()))) {
        io.stderr(`job ${id} is not dead (or does not exist); nothing changed\n`);
        return 1;
      }
      io.stdout(`job ${id} will run again\n`);
      return 0;
    }
    const rows = await outbox.list({
      status,
      kind: values.kind as string | undefined,
      tokenId: values.token as string | undefined,
      limit,
    });
    if (values.json) io.stdout(`${JSON.stringify(rows.map(jobJson), null, 2)}\n`);
    else if (rows.length === 0) io.stdout('no jobs\n');
    else
      io.stdout(
        `${table(
          ['ID', 'STATUS', 'KIND', 'TOKEN', 'HOST', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'],
          rows.map((r) => [
            String(r.id),
            r.status,
            r.kind,
            r.token_id ?? '-',
            r.host ?? '-',
            String(r.attempts),
            formatIsoTime(r.run_at_ms).slice(0, 19),
            oneLine(r.last_error ?? '', 60),
          ]),
        )}\n`,
      );
    return 0;
  },
};

export const manifestCommand: Command = {
  name: 'manifest',
  summary: 'Print a Slack app manifest to paste into api.slack.com/apps',
  usage: 'rodizio manifest [--url https://your-host] [--socket-mode] [--name rodizio]',
  details:
    'HTTP mode sends events, interactivity and /rodizio to <url>/slack/events. With --socket-mode no public URL is needed;\ncreate an app-level token with connections:write and set SLACK_APP_TOKEN.',
  options: { url: { type: 'string' }, 'socket-mode': { type: 'boolean' }, name: { type: 'string' } },
  positionals: 0,
  run({ values, io }) {
    const url = values.url as string | undefined;
    const socketMode = values['socket-mode'] === true;
    if (url !== undefined && !/^https:\/\/[^\s/]+/.test(url))
      throw new UsageError('--url must start with https:// (Slack only calls HTTPS URLs)');
    if (!url && !socketMode)
      io.stderr('note: no --url given; replace https://rodizio.example.com with your public address\n');
    io.stdout(
      `${JSON.stringify(buildManifest({ url, socketMode, name: values.name as string | undefined }), null, 2)}\n`,
    );
    return 0;
  },
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write the audit log as JSON lines (archive it before `rodizio gc`)',
  usage: 'rodizio export [--since 2026-01-01T00:00:00] [--out events.jsonl]',
  details: [
    'One event per line: {seq, token_id, type, at, actor, data, hash, prev_hash, token_prev_hash}, oldest first.',
    'Times without an offset are UTC. `rodizio audit verify --file <export>` checks the hashes later.',
  ].join('\n'),
  options: { since: { type: 'string' }, out: { type: 'string' } },
  positionals: 0,
  async run({ store, values, io }) {
    const sinceText = values.since as string | undefined;
    const since = sinceText === undefined ? 0 : parseIsoTime(sinceText);
    if (since === undefined)
      throw new UsageError(`--since "${sinceText}" is not an ISO time such as 2026-01-01T00:00:00`);
    const out = values.out as string | undefined;
    const { purgatory } = await store();
    let file: WriteStream | undefined;
    if (out) {
      try {
        // Opened here, synchronously, so an existing file is refused before anything is written.
        file = createWriteStream('', { fd: openSync(out, 'wx') });
      } catch (err) {
        io.stderr(
          `rodizio export: cannot create ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (it is never overwritten)\n`,
        );
        return 1;
      }
    }
    let written = 0;
    for await (const line of purgatory.exportEvents(since)) {
      const text = `${JSON.stringify(line)}\n`;
      if (file) {
        if (!file.write(text)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      } else io.stdout(text);
      written++;
    }
    if (file) {
      await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      io.stderr(`wrote ${written} event${written === 1 ? '' : 's'} to ${out}\n`);
    }
    return 0;
  },
};

export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: 'Show reentry deliveries (webhook, tmux, file) and their state',
  usage: 'rodizio deliveries [--status pending|done|dead] [--token <id>] [--limit N] [--json]',
  details: 'A dead delivery ran out of retries (about a day); `rodizio redeliver <token-id>` queues a fresh one.',
  options: { status: { type: 'string' }, token: { type: 'string' }, limit: { type: 'string' }, ...JSON_OPTION },
  positionals: 0,
  run(ctx) {
    return outboxCommand.run({ ...ctx, values: { ...ctx.values, kind: 'deliver.' }, positionals: [] });
  },
};

export const redeliverCommand: Command = {
  name: 'redeliver',
  summary: "Queue a fresh delivery of a closed token's reentry to its webhook, tmux session or file",
  usage: 'rodizio redeliver <token-id> [--by <name>]',
  options: { by: { type: 'string' } },
  positionals: 1,
  async run({ store, positionals, values, io, config }) {
    const cfg = config();
    const { purgatory } = await store();
    const id = positionals[0] as string;
    const target = await redeliver(purgatory, cfg, id, (values.by as string | undefined) ?? 'cli');
    io.stdout(`queued a ${target} delivery of ${id}; a running bridge sends it now\n`);
    return 0;
  },
};
