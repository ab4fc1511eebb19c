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
import { all, changes, filteredQuery, one, type PgConn, PLANNED_PER_CALL } from './conn.js';
import { appendSteps, appendValues } from './events.js';

/** The columns a new token is written with, in one fixed order (status is set by the statement). */
const NEW_COLUMNS = [
  'id',
  'kind',
  'reason',
  'prompt',
  'options',
  'severity',
  'frozen_state',
  'original_event',
  'required_type',
  'deadline',
  'deadline_ms',
  'escalation',
  'created_at',
  'received_ms',
  'runner',
  'project',
  'github_issue',
  'ext',
  'content_hash',
] as const satisfies readonly (keyof NewTokenRow)[];

const CLOSED_COLUMNS = [
  ...NEW_COLUMNS,
  'status',
  'resolved_at',
  'cancelled_at',
  'voided_at',
  'closed_ms',
] as const satisfies readonly (keyof ClosedTokenRow)[];

/** `INSERT INTO tokens (…) VALUES ($1, …) ON CONFLICT (id) DO NOTHING` for `columns`, plus `extra` fixed values. */
function insertSql(columns: readonly string[], extra: Record<string, string> = {}): string {
  const names = [...columns, ...Object.keys(extra)];
  const values = [...columns.map((_, i) => `$${i + 1}`), ...Object.values(extra)];
  return `INSERT INTO tokens (${names.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT (id) DO NOTHING`;
}

const INSERT = insertSql(NEW_COLUMNS, { status: "'pending'" });

/** The Postgres type of each new-token column, for the arrays `unnest` reads. */
const NEW_COLUMN_TYPES: Record<(typeof NEW_COLUMNS)[number], string> = {
  id: 'text',
  kind: 'text',
  reason: 'text',
  prompt: 'text',
  options: 'text',
  severity: 'text',
  frozen_state: 'text',
  original_event: 'text',
  required_type: 'text',
  deadline: 'text',
  deadline_ms: 'bigint',
  escalation: 'text',
  created_at: 'text',
  received_ms: 'bigint',
  runner: 'text',
  project: 'text',
  github_issue: 'text',
  ext: 'text',
  content_hash: 'text',
};

/** One statement for a whole batch: a column of values per parameter, rows in the order given. */
const INSERT_MANY = `
  INSERT INTO tokens (${NEW_COLUMNS.join(', ')}, status)
  SELECT ${NEW_COLUMNS.join(', ')}, 'pending' FROM unnest(${NEW_COLUMNS.map((c, i) => `$${i + 1}::${NEW_COLUMN_TYPES[c]}[]`).join(', ')})
    WITH ORDINALITY AS r(${NEW_COLUMNS.join(', ')}, n)
  ORDER BY n
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;
const INSERT_CLOSED = insertSql(CLOSED_COLUMNS);

/** The notes of the token `t` as a JSON array, oldest first. */
const NOTES_OF_T = `(SELECT coalesce(json_agg(n ORDER BY n.id), '[]'::json) FROM notes n WHERE n.token_id = t.id)
    AS notes_of_token`;

/** Tokens and their notes as a JSON array (in the last column), in one round trip; a delivery reads both. */
const WITH_NOTES = `
  SELECT t.*, ${NOTES_OF_T}
  FROM tokens t`;

type WithNotes = TokenRow & { notes_of_token?: NoteRow[] };

function splitNotes(row: WithNotes): { row: TokenRow; notes: NoteRow[] } {
  const notes = row.notes_of_token ?? [];
  // The last column read: deleting the property added last leaves the row's shape as a plain token row's.
  delete row.notes_of_token;
  return { row, notes };
}

/** The compare-and-set out of pending, as the CTE `settled`: the row as left, none when it was not pending. */
const SETTLED = `settled AS (
    UPDATE tokens SET status = $1,
      resolved_at = $2, cancelled_at = $3, voided_at = $4, closed_ms = $5,
      human_input = $6, answered_by = $7, answered_by_name = $8, answered_via = $9, ext = coalesce($11, ext),
      claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL
    WHERE id = $10 AND status = 'pending' RETURNING *)`;

/** The compare-and-set, and the token's notes (for its reentry) in the same round trip. */
const SETTLE = `
  WITH ${SETTLED}
  SELECT t.*, ${NOTES_OF_T}
  FROM settled t`;

/**
 * The same, and the settlement's audit event appended (linked into the chain, see events.ts) only if the token
 * settled: its seq comes back with the row, null when the log has no head yet (the append's slow path).
 */
const SETTLE_AND_APPEND = `
  WITH ${SETTLED},${appendSteps(12, 'EXISTS (SELECT 1 FROM settled)')}
  SELECT t.*, ${NOTES_OF_T}, (SELECT seq FROM inserted) AS event_seq_of_token
  FROM settled t`;

/** SQL for the `tokens` table on Postgres; the same statements as src/store/sqlite/tokens.ts. */
export function createTokenStore(db: PgConn, events: EventStore): TokenStore {
  return {
    async insert(row: NewTokenRow): Promise<boolean> {
      return (
        (await changes(
          db,
          INSERT,
          NEW_COLUMNS.map((c) => row[c]),
        )) === 1
      );
    },

    async insertMany(rows: readonly NewTokenRow[]): Promise<boolean[]> {
      if (rows.length === 0) return [];
      const inserted = new Set(
        (
          await all<{ id: string }>(
            db,
            INSERT_MANY,
            NEW_COLUMNS.map((c) => rows.map((r) => r[c])),
          )
        ).map((r) => r.id),
      );
      return rows.map((r) => inserted.has(r.id));
    },

    async insertClosed(row: ClosedTokenRow): Promise<boolean> {
      return (
        (await changes(
          db,
          INSERT_CLOSED,
          CLOSED_COLUMNS.map((c) => row[c]),
        )) === 1
      );
    },

    async get(id: string): Promise<TokenRow | undefined> {
      return one<TokenRow>(db, 'SELECT * FROM tokens WHERE id = $1', [id]);
    },

    async getWithNotes(id: string) {
      const row = await one<WithNotes>(db, `${WITH_NOTES} WHERE t.id = $1`, [id]);
      return row && splitNotes(row);
    },

    async getManyWithNotes(ids: readonly string[]) {
      return (await all<WithNotes>(db, `${PLANNED_PER_CALL} ${WITH_NOTES} WHERE t.id = ANY($1::text[])`, [ids])).map(
        splitNotes,
      );
    },

    async list(filter: ListFilter): Promise<TokenRow[]> {
      const { text, values } = filteredQuery(
        'SELECT * FROM tokens',
        [
          ['status = ?', filter.status],
          ['project = ?', filter.project],
          ['runner = ?', filter.runner],
          ['seq < ?', filter.before],
        ],
        'seq DESC',
        filter.limit,
      );
      return all<TokenRow>(db, text, values);
    },

    /** One statement: Postgres re-checks `status = 'pending'` after waiting on a concurrent settle's row lock. */
    async settle(s: Settlement, event?: NewEvent) {
      const values = [
        s.status,
        s.status === 'resolved' ? s.at : null,
        s.status === 'cancelled' ? s.at : null,
        s.status === 'expired' ? s.at : null,
        s.atMs,
        s.humanInput === undefined ? null : JSON.stringify(s.humanInput),
        s.by,
        s.byName,
        s.via,
        s.id,
        s.ext ?? null,
      ];
      if (!event) {
        const row = await one<WithNotes>(db, SETTLE, values);
        return row && splitNotes(row);
      }
      const row = await one<WithNotes & { event_seq_of_token?: number | null }>(db, SETTLE_AND_APPEND, [
        ...values,
        ...appendValues(event).values,
      ]);
      if (!row) return undefined;
      const seq = row.event_seq_of_token ?? (await events.append(event));
      delete row.event_seq_of_token;
      return { ...splitNotes(row), eventSeq: seq };
    },

    async patch(row: TokenPatchRow): Promise<boolean> {
      const sql = `
        UPDATE tokens SET deadline = $1, deadline_ms = $2, escalation = $3, severity = $4, prompt = $5, options = $6,
          ext = $7, warned_at_ms = $8
        WHERE id = $9 AND status = 'pending'`;
      const values = [
        row.deadline,
        row.deadline_ms,
        row.escalation,
        row.severity,
        row.prompt,
        row.options,
        row.ext,
        row.warned_at_ms,
        row.id,
      ];
      return (await changes(db, sql, values)) === 1;
    },

    // The claim and any snooze are cleared: made by someone who may no longer answer, and reminders should reach
    // the new people.
    async reassign(row: TokenReassignRow): Promise<boolean> {
      const sql = `
        UPDATE tokens SET ext = $1, slack_channel_id = $2, slack_ts = $3,
          claim_user = NULL, claim_user_name = NULL, claim_until_ms = NULL, snooze_until_ms = NULL, snooze_user = NULL
        WHERE id = $4 AND status = 'pending'`;
      return (await changes(db, sql, [row.ext, row.slack_channel_id, row.slack_ts, row.id])) === 1;
    },

    async due(nowMs: number, limit: number): Promise<TokenRow[]> {
      const sql = `SELECT * FROM tokens WHERE status = 'pending' AND deadline_ms IS NOT NULL AND deadline_ms <= $1
        ORDER BY deadline_ms LIMIT $2`;
      return all<TokenRow>(db, sql, [nowMs, limit]);
    },

    async bySlackMessage(channel: string, ts: string): Promise<TokenRow | undefined> {
      return one<TokenRow>(db, 'SELECT * FROM tokens WHERE slack_channel_id = $1 AND slack_ts = $2', [channel, ts]);
    },

    async setSlackMessage(id: string, channel: string, ts: string): Promise<void> {
      await db.query('UPDATE tokens SET slack_channel_id = $1, slack_ts = $2 WHERE id = $3', [channel, ts, id]);
    },

    async collectable(beforeMs: number, limit: number): Promise<string[]> {
      const sql = `SELECT id FROM tokens WHERE status <> 'pending' AND closed_ms < $1 ORDER BY closed_ms LIMIT $2`;
      return (await all<{ id: string }>(db, sql, [beforeMs, limit])).map((r) => r.id);
    },

    async remove(id: string): Promise<void> {
      await db.query('DELETE FROM tokens WHERE id = $1', [id]);
    },

    async countByStatus(): Promise<Record<string, number>> {
      const rows = await all<{ status: string; n: number }>(
        db,
        'SELECT status, count(*) AS n FROM tokens GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };
}
