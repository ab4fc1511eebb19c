/**
 * Where the sandbox's fake workspace is kept between runs: a SQLite file beside the bridge's database, so a
 * restart shows the channels, cards and threads the bridge's tokens point at. All of the sandbox's SQL is here.
 */
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { SlackMessage } from '../../sandbox/fake-slack-state.js';
import type { FakeUserProfile } from '../../sandbox/fake-slack-users.js';
import type { FakeView } from '../../sandbox/fake-slack-views.js';
import type { Migration } from '../migrations.js';
import { type Db, migrate, openDatabase, writeTransaction } from './database.js';

/**
 * Its own file with its own schema version rather than tables in the purgatory: the purgatory's numbered
 * migrations describe the product, this is a stand-in for Slack's servers, and deleting the file resets the
 * sandbox workspace without touching a token.
 */
const SCHEMA: Migration[] = [
  {
    version: 1,
    name: '001_sandbox_workspace',
    sql: `
      CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, user TEXT);
      -- rowid keeps posting order, which is the order of a channel's history and of a thread's replies.
      CREATE TABLE messages (
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        top INTEGER NOT NULL,
        reply_of TEXT,
        json TEXT NOT NULL,
        PRIMARY KEY (channel, ts)
      );
      CREATE TABLE views (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE directory (key TEXT PRIMARY KEY, json TEXT NOT NULL);
    `,
  },
];

/** A message and where it sits: in the channel's history (`top`), in a thread (`replyOf`), or both (a broadcast). */
export interface StoredMessage {
  channel: string;
  ts: string;
  top: boolean;
  replyOf: string | null;
  message: SlackMessage;
}

export interface StoredChannel {
  id: string;
  name: string;
  user: string | null;
}

/** Everything a workspace needs to come back as it was. */
export interface WorkspaceSnapshot {
  channels: StoredChannel[];
  /** In posting order. */
  messages: StoredMessage[];
  views: FakeView[];
  users: Record<string, FakeUserProfile> | undefined;
  usergroups: Record<string, string[]> | undefined;
}

/** One change to write: messages to (re)write and messages that are gone, in one transaction. */
export interface WorkspaceWrite {
  channels?: StoredChannel[];
  save?: StoredMessage[];
  remove?: { channel: string; ts: string }[];
  views?: FakeView[];
  directory?: { users: Record<string, FakeUserProfile>; usergroups: Record<string, string[]> };
}

export interface WorkspaceStore {
  load(): WorkspaceSnapshot;
  /** The thread a stored message is a reply in, if any (read before a delete, to rewrite the parent). */
  replyOf(channel: string, ts: string): string | null;
  write(change: WorkspaceWrite): void;
  close(): void;
}

// Rows are written by this module only, but a file on disk is still input: parse it rather than cast.
const JsonObject = z.record(z.string(), z.unknown());
const ViewRecord = z.object({
  id: z.string(),
  kind: z.enum(['modal', 'home']),
  user: z.string().optional(),
  open: z.boolean(),
  view: JsonObject,
});
const Profiles = z.record(
  z.string(),
  z.object({ name: z.string(), real_name: z.string().optional(), display_name: z.string().optional() }),
);
const Groups = z.record(z.string(), z.array(z.string()));

/** The sandbox workspace file for a database: `data/rodizio.db` → `data/rodizio.sandbox.db`; none in memory. */
export function sandboxWorkspacePath(dbPath: string): string | undefined {
  if (dbPath === ':memory:' || dbPath === '' || /^[a-z]+:\/\//i.test(dbPath)) return undefined;
  return join(dirname(dbPath), `${basename(dbPath).replace(/\.(db|sqlite3?)$/i, '')}.sandbox.db`);
}

/** Opens (creating) the sandbox workspace file. */
export function openWorkspaceStore(path: string): WorkspaceStore {
  const db: Db = openDatabase(path, { migrate: false });
  try {
    migrate(db, SCHEMA);
  } catch (err) {
    db.close();
    throw err;
  }
  const upsertChannel = db.prepare(
    'INSERT INTO channels (id, name, user) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, user = excluded.user',
  );
  // ON CONFLICT … DO UPDATE keeps the row's rowid, so an edited message keeps its place.
  const upsertMessage = db.prepare(
    `INSERT INTO messages (channel, ts, top, reply_of, json) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (channel, ts) DO UPDATE SET top = excluded.top, reply_of = excluded.reply_of, json = excluded.json`,
  );
  const deleteMessage = db.prepare('DELETE FROM messages WHERE channel = ? AND ts = ?');
  const selectReplyOf = db.prepare<[string, string], { reply_of: string | null }>(
    'SELECT reply_of FROM messages WHERE channel = ? AND ts = ?',
  );
  const upsertView = db.prepare(
    'INSERT INTO views (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json',
  );
  const upsertDirectory = db.prepare(
    'INSERT INTO directory (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json',
  );

  const write = writeTransaction(db, (change: WorkspaceWrite) => {
    for (const c of change.channels ?? []) upsertChannel.run(c.id, c.name, c.user);
    for (const r of change.remove ?? []) deleteMessage.run(r.channel, r.ts);
    for (const m of change.save ?? []) {
      upsertMessage.run(m.channel, m.ts, m.top ? 1 : 0, m.replyOf, JSON.stringify(m.message));
    }
    for (const v of change.views ?? []) upsertView.run(v.id, JSON.stringify(v));
    if (change.directory) {
      upsertDirectory.run('users', JSON.stringify(change.directory.users));
      upsertDirectory.run('usergroups', JSON.stringify(change.directory.usergroups));
    }
  });

  return {
    load() {
      const channels = db
        .prepare<[], { id: string; name: string; user: string | null }>('SELECT id, name, user FROM channels')
        .all();
      const messages = db
        .prepare<[], { channel: string; ts: string; top: number; reply_of: string | null; json: string }>(
          'SELECT channel, ts, top, reply_of, json FROM messages ORDER BY rowid',
        )
        .all()
        .map((r) => ({
          channel: r.channel,
          ts: r.ts,
          top: r.top === 1,
          replyOf: r.reply_of,
          message: { ...JsonObject.parse(JSON.parse(r.json)), type: 'message' as const, ts: r.ts },
        }));
      const views = db
        .prepare<[], { json: string }>('SELECT json FROM views ORDER BY rowid')
        .all()
        .map((r): FakeView => {
          const { user, ...rest } = ViewRecord.parse(JSON.parse(r.json));
          return { ...rest, user };
        });
      const dir = new Map(
        db
          .prepare<[], { key: string; json: string }>('SELECT key, json FROM directory')
          .all()
          .map((r) => [r.key, JSON.parse(r.json) as unknown]),
      );
      return {
        channels,
        messages,
        views,
        users: dir.has('users') ? Profiles.parse(dir.get('users')) : undefined,
        usergroups: dir.has('usergroups') ? Groups.parse(dir.get('usergroups')) : undefined,
      };
    },
    replyOf: (channel, ts) => selectReplyOf.get(channel, ts)?.reply_of ?? null,
    write: (change) => write(change),
    close: () => db.close(),
  };
}
