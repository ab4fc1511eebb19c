import type { EventStore, NewEvent } from '../events.js';
import type { NoteRow } from '../notes.js';
import type {
  ClosedTokenRow,
  ListFilter,
  NewTokenRow,
  Settlement,
  TokenPatchRow,
  TokenReassignRow,
  TokenRow,
  TokenStore,
} from '../tokens.js';
import type { Db } from './database.js';
import { createFilteredList } from './filtered-list.js';

/** SQL for the `tokens` table. Every statement is prepared once; values are always bound parameters. */
export function createTokenStore(db: Db, events: EventStore): TokenStore {
  const insert = db.prepare<NewTokenRow>(`
    INSERT INTO tokens (id, kind, status, reason, prompt, options, severity, frozen_state, original_event,
      required_type, deadline, deadline_ms, escalation, created_at, received_ms, runner, project, github_issue,
      ext, content_hash)
    VALUES (@id, @kind, 'pending', @reason, @prompt, @options, @severity, @frozen_state, @original_event,
      @required_type, @deadline, @deadline_ms, @escalation, @created_at, @received_ms, @runner, @project,
      @github_issue, @ext, @content_hash)
    ON CONFLICT (id) DO NOTHING`);
  const insertClosed = db.prepare<ClosedTokenRow>(`
    INSERT INTO tokens (id, kind, status, reason, prompt, options, severity, frozen_state, original_event,
      required_type, deadline, deadline_ms, escalation, created_at, received_ms, runner, project, github_issue,
      ext, content_hash, resolved_at, cancelled_at, voided_at, closed_ms)
    VALUES (@id, @kind, @status, @reason, @prompt, @options, @severity, @frozen_state, @original_event,
      @required_type, @deadline, @deadline_ms, @escalation, @created_at, @received_ms, @runner, @project,
      @github_issue, @ext, @content_hash, @resolved_at, @cancelled_at, @voided_at, @closed_ms)
    ON CONFLICT (id) DO NOTHING`);
  const byId = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?');
  const notesOf = db.prepare<[string], NoteRow>('SELECT * FROM notes WHERE token_id = ? ORDER BY id');
  const withNotes = (id: string) => {
    const row = byId.get(id);
    return row && { row, notes: notesOf.all(id) };
  };
  const settle = db.prepare<
    [
      string,
      string | null,
      string | null,
      string | null,
      number,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      string,
    ],
    TokenRow
  >(`
    UPDATE tokens SET status = ?,
      resolved_at = ?, cancelled_at = ?, voided_at = ?, closed_ms = ?,
      human_input = ?, answered_by = ?, answered_by_name = ?, answered_via = ?, ext = coalesce(?, ext),
      claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL
    WHERE id = ? AND status = 'pending' RETURNING *`);
  const patch = db.prepare<TokenPatchRow>(`
    UPDATE tokens SET deadline = @deadline, deadline_ms = @deadline_ms, escalation = @escalation,
      severity = @severity, prompt = @prompt, options = @options, ext = @ext, warned_at_ms = @warned_at_ms
    WHERE id = @id AND status = 'pending'`);
  // The claim and any snooze are cleared: made by someone who may no longer answer, and reminders should reach
  // the new people.
  const reassign = db.prepare<TokenReassignRow>(`
    UPDATE tokens SET ext = @ext, slack_channel_id = @slack_channel_id, slack_ts = @slack_ts,
      claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL, snooze_until_ms = NULL, snooze_user = NULL
    WHERE id = @id AND status = 'pending'`);
  const due = db.prepare<[number, number], TokenRow>(`
    SELECT * FROM tokens WHERE status = 'pending' AND deadline_ms IS NOT NULL AND deadline_ms <= ?
    ORDER BY deadline_ms LIMIT ?`);
  const setSlack = db.prepare<[string, string, string]>(
    'UPDATE tokens SET slack_channel_id = ?, slack_ts = ? WHERE id = ?',
  );
  const gcBatch = db.prepare<[number, number], { id: string }>(
    `SELECT id FROM tokens WHERE status <> 'pending' AND closed_ms < ? ORDER BY closed_ms LIMIT ?`,
  );
  const remove = db.prepare<[string]>('DELETE FROM tokens WHERE id = ?');
  const bySlack = db.prepare<[string, string], TokenRow>(
    'SELECT * FROM tokens WHERE slack_channel_id = ? AND slack_ts = ?',
  );
  // At most 16 shapes (four optional filters), each prepared once.
  const list = createFilteredList<TokenRow>(db, 'SELECT * FROM tokens', 'seq DESC');
  const counts = db.prepare<[], { status: string; n: number }>(
    'SELECT status, count(*) AS n FROM tokens GROUP BY status',
  );

  return {
    async insert(row: NewTokenRow): Promise<boolean> {
      return insert.run(row).changes === 1;
    },

    /** Prepared inserts in a row: SQLite has no round trips to save, and the caller's transaction holds them. */
    async insertMany(rows: readonly NewTokenRow[]): Promise<boolean[]> {
      return rows.map((r) => insert.run(r).changes === 1);
    },

    async insertClosed(row: ClosedTokenRow): Promise<boolean> {
      return insertClosed.run(row).changes === 1;
    },

    async get(id: string): Promise<TokenRow | undefined> {
      return byId.get(id);
    },

    async getWithNotes(id: string) {
      return withNotes(id);
    },

    async getManyWithNotes(ids: readonly string[]) {
      return ids.flatMap((id) => withNotes(id) ?? []);
    },

    async list(filter: ListFilter): Promise<TokenRow[]> {
      return list(
        [
          ['status = ?', filter.status],
          ['project = ?', filter.project],
          ['runner = ?', filter.runner],
          ['seq < ?', filter.before],
        ],
        filter.limit,
      );
    },

    async settle(s: Settlement, event?: NewEvent) {
      const row = settle.get(
        s.status,
        s.status === 'resolved' ? s.at : null,
        s.status === 'cancelled' ? s.at : null,
        s.status === 'expired' ? s.at : null,
        s.atMs,
        s.humanInput === undefined ? null : JSON.stringify(s.humanInput),
        s.by,
        s.byName,
        s.via,
        s.ext ?? null,
        s.id,
      );
      if (!row) return undefined;
      // One synchronous connection: the append is no round trip, and it runs in the caller's transaction.
      return { row, notes: notesOf.all(s.id), ...(event ? { eventSeq: await events.append(event) } : {}) };
    },

    async patch(row: TokenPatchRow): Promise<boolean> {
      return patch.run(row).changes === 1;
    },

    async reassign(row: TokenReassignRow): Promise<boolean> {
      return reassign.run(row).changes === 1;
    },

    async due(nowMs: number, limit: number): Promise<TokenRow[]> {
      return due.all(nowMs, limit);
    },

    async bySlackMessage(channel: string, ts: string): Promise<TokenRow | undefined> {
      return bySlack.get(channel, ts);
    },

    async setSlackMessage(id: string, channel: string, ts: string): Promise<void> {
      setSlack.run(channel, ts, id);
    },

    async collectable(beforeMs: number, limit: number): Promise<string[]> {
      return gcBatch.all(beforeMs, limit).map((r) => r.id);
    },

    async remove(id: string): Promise<void> {
      remove.run(id);
    },

    async countByStatus(): Promise<Record<string, number>> {
      return Object.fromEntries(counts.all().map((r) => [r.status, r.n]));
    },
  };
}
