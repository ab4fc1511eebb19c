import { RodizioClient } from '../client/index.js';
import { Cursor, EventTypeName, type FeedEvent } from '../events/event.js';
import { readEventPage } from '../events/feed.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';
import { oneLine, table } from './format.js';

const HEADERS = ['ID', 'AT', 'TYPE', 'TOKEN', 'RUNNER', 'ACTOR', 'DATA'];

function eventRow(e: FeedEvent): string[] {
  return [
    e.id,
    e.at.slice(0, 19),
    e.type,
    e.token_id ?? '-',
    e.runner ?? '-',
    e.actor ?? '-',
    oneLine(JSON.stringify(e.data), 60),
  ];
}

/** Options shared by both modes, checked before anything is opened. */
function parseFilters(values: Record<string, string | boolean | undefined>) {
  const since = values.since as string | undefined;
  if (since !== undefined && !Cursor.safeParse(since).success)
    throw new UsageError('--since must be an event id (a number)');
  const types = (values.types as string | undefined)?.split(',').map((t) => t.trim());
  if (types?.some((t) => !EventTypeName.safeParse(t).success)) {
    throw new UsageError('--types takes event type names separated by commas (e.g. resolved,cancelled)');
  }
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1 to 1000');
  return {
    since,
    types,
    token: values.token as string | undefined,
    project: values.project as string | undefined,
    limit,
  };
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Print the audit event feed; --follow streams new events from the running bridge',
  usage:
    'rodizio events [--follow] [--json] [--types a,b] [--token <id>] [--project <name>] [--since <cursor>] [--limit N]',
  details: [
    'Without --follow: one page read from RODIZIO_DB (every runner, oldest first); --json prints',
    '{events, next_cursor, has_more}, and --since <next_cursor> continues.',
    'With --follow: the live stream from the bridge at RODIZIO_URL (default http://127.0.0.1:$PORT), with the',
    'bearer RODIZIO_TOKEN (default RODIZIO_ADMIN_TOKEN); it reconnects by itself and stops on Ctrl-C.',
    'Starts at the end of the log unless --since is given; --json prints one event per line.',
  ].join('\n'),
  options: {
    follow: { type: 'boolean', short: 'f' },
    types: { type: 'string' },
    token: { type: 'string' },
    project: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: 0,
  async run({ values, io, config, store }) {
    const f = parseFilters(values);
    if (!values.follow) {
      const { store: opened } = await store();
      const filter = { types: f.types, tokenId: f.token, project: f.project };
      const page = await readEventPage(opened.feed, Number(f.since ?? 0), f.limit, filter);
      if (values.json) io.stdout(`${JSON.stringify(page, null, 2)}\n`);
      else if (page.events.length === 0) io.stdout('no events\n');
      else
        io.stdout(
          `${table(HEADERS, page.events.map(eventRow))}\n${page.has_more ? `more: --since ${page.next_cursor}\n` : ''}`,
        );
      return 0;
    }
    const cfg = config();
    const bearer = io.env.RODIZIO_TOKEN || cfg.adminToken;
    if (!bearer) throw new UsageError('--follow needs RODIZIO_TOKEN (a runner secret) or RODIZIO_ADMIN_TOKEN');
    const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
    const baseUrl = io.env.RODIZIO_URL || `http://${host.includes(':') ? `[${host}]` : host}:${cfg.port}`;
    const client = new RodizioClient({ baseUrl, token: bearer });
    const stop = new AbortController();
    void io.stopSignal?.then(() => stop.abort());
    for await (const e of client.events({
      since: f.since,
      types: f.types,
      token: f.token,
      project: f.project,
      signal: stop.signal,
    })) {
      io.stdout(values.json ? `${JSON.stringify(e)}\n` : `${eventRow(e).join('  ')}\n`);
    }
    return 0;
  },
};
