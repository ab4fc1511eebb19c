import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyStore } from '../../src/cli/migrate-store-command.js';
import { COPIED_TABLES, type CopiedRow, type CopiedTable } from '../../src/store/copy.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { cli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { storeSnapshot } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';
import { answer, tokenRow } from './engines/harness.js';

/** What the populated purgatory holds, for asserting it arrived. */
interface Fixture {
  path: string;
  outbox: { pending: number; dead: number; done: number };
  intake: { pending: number; done: number };
}

/** A SQLite purgatory with a bit of everything, written through its repos; closed when this returns. */
async function populate(path: string): Promise<Fixture> {
  const s = openSqliteStore(path);
  try {
    await s.tokens.insert(tokenRow('t1', { project: 'p1', deadline_ms: 9000, ext: '{"answerers":["U1"]}' }));
    await s.tokens.insert(tokenRow('gone'));
    await s.tokens.insert(tokenRow('t2', { runner: 'runner-b' }));
    await s.tokens.insert(tokenRow('t3', { github_issue: 'o/r#1' }));
    // A gap in seq, and tokens pending and closed (answered, imported closed), with follow-up state.
    await s.tokens.remove('gone');
    await s.tokens.setSlackMessage('t1', 'C1', '111.1');
    await s.followups.claim('t1', 'U2', 'Bob', 9000, 2000);
    await s.followups.markWarned('t1', 2500);
    await s.tokens.settle(answer('t2'));
    const closed = { ...tokenRow('t0'), status: 'cancelled' as const, closed_ms: 100 };
    await s.tokens.insertClosed({
      ...closed,
      resolved_at: null,
      cancelled_at: '1970-01-01T00:00:00.1Z',
      voided_at: null,
    });

    await s.events.append({ tokenId: 't1', type: 'ejected', atMs: 1000, data: { n: 1 } });
    await s.events.append({ tokenId: 't2', type: 'resolved', atMs: 5000, actor: 'U1' });
    await s.events.append({ tokenId: null, type: 'gc', atMs: 6000 });

    await s.notes.add({ tokenId: 't1', author: 'U1', authorName: 'Ann', text: 'on it', atMs: 1500, sourceKey: 'ts-1' });
    await s.notes.add({ tokenId: 't1', author: 'U2', authorName: null, text: 'ünïcode ✓', atMs: 1600 });
    // User ids that sort differently by byte and by a locale's collation.
    await s.approvals.record('t1', 'u9', 'low', 'no', 1700);
    await s.approvals.record('t1', 'U2', 'Bob', 'yes', 1800);
    await s.approvals.record('t1', 'U10', null, 'yes', 1900);

    const pending = await s.outbox.enqueue(
      { kind: 'slack.post', tokenId: 't1', gate: 'slack.post:C1', host: 'h1', payload: { a: 1 }, runAtMs: 7000 },
      1000,
    );
    const dead = await s.outbox.enqueue({ kind: 'hook', tokenId: 't2', priority: 0 }, 1100);
    await s.outbox.kill(dead, 'gave up', 1200);
    const done = await s.outbox.enqueue({ kind: 'slack.update', tokenId: 't2' }, 1300);
    await s.outbox.complete(done, 1400);

    await s.subscriptions.insert({
      id: 'sub-0123456789ab',
      runner: 'runner-a',
      url: 'https://example.test/hook',
      types: '["resolved"]',
      project: null,
      created_ms: 900,
    });
    await s.phaseFiles.save({
      path: '/work/p1/.phase',
      kind: 'dev',
      project: 'p1',
      number: 12,
      state_key: 'k1',
      phase: 'blocked',
      token_id: 't1',
      updated_ms: 800,
    });

    await s.grants.insert({
      id: 'grant-0123456789ab',
      runner: 'runner-a',
      tool: 'Bash',
      scope: 'prefix',
      value: 'npm test',
      created_ms: 2300,
      expires_ms: 9_000_000_000_000,
      created_by: 'U1',
      created_by_name: 'Ann',
      token_id: 't1',
      slack_channel: 'C1',
      slack_ts: '111.1',
    });
    await s.grants.used('grant-0123456789ab');
    await s.identities.putLink({ slack_user: 'U1', login: 'octocat', linked_ms: 2400 });

    await s.githubRefs.insert({ token_id: 't3', repo: 'o/r', ref: 'refs/heads/main', seen_sha: 'a'.repeat(40) });
    await s.githubRefs.move('t3', 'a'.repeat(40), 'b'.repeat(40), 2400);

    await s.digests.addDigest({ project: 'p1', channel: 'C1', ts: '222.2', created_ms: 2500 }, ['t1', 't3']);
    const group = await s.digests.createGroup({ project: 'p1', runner: 'runner-b', channel: 'C1', nowMs: 2600 });
    await s.digests.join(group.id, 't2', 2600);
    await s.digests.claimPoster(group.id, 't2');
    await s.digests.setParent(group.id, '333.3');

    const intakePending = (await s.intake.record('slack:1', 'click', '{"x":1}', 2000)).row.id;
    const intakeDone = (await s.intake.record('slack:2', 'click', '{}', 2100)).row.id;
    await s.intake.finish(intakeDone, 2200);
    return {
      path,
      outbox: { pending, dead, done },
      intake: { pending: intakePending, done: intakeDone },
    };
  } finally {
    await s.close();
  }
}

/** Every row the copy would move, per table, read through the engine's own `copy.read`. */
async function rows(store: Store): Promise<Record<CopiedTable, CopiedRow[]>> {
  const out = {} as Record<CopiedTable, CopiedRow[]>;
  for (const { name } of COPIED_TABLES) out[name] = await store.copy.read(name, 0, 1000);
  return out;
}

const EXPECTED_COUNTS = {
  tokens: 4,
  events: 3,
  audit_heads: 3,
  notes: 2,
  approvals: 3,
  outbox: 2,
  subscriptions: 1,
  phase_files: 1,
  intake: 1,
  grants: 1,
  identity_links: 1,
  github_refs: 1,
  slack_digests: 1,
  slack_digest_tokens: 2,
  slack_groups: 1,
  slack_group_tokens: 1,
};

describe('copying a SQLite purgatory into Postgres', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let fixture: Fixture;
  const opened: Store[] = [];
  const open = async <S extends Store>(store: S | Promise<S>): Promise<S> => {
    const s = await store;
    opened.push(s);
    return s;
  };
  beforeEach(async () => {
    db = await createTestDatabase();
    fixture = await populate(join(tempDir(), 'rodizio.db'));
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await db.drop();
  });

  it('moves every row but finished jobs and requests, and new ids continue after the copied ones', async () => {
    const from = await open(openSqliteStore(fixture.path));
    const to = await open(openPostgresStore(db.url));
    expect(await copyStore(from, to)).toEqual(EXPECTED_COUNTS);

    // The same rows, column for column, numbers as numbers; approvals in byte order on both.
    const source = await rows(from);
    expect(await rows(to)).toEqual(source);
    expect(source.approvals.map((a) => a.user_id)).toEqual(['U10', 'U2', 'u9']);
    for (const { name } of COPIED_TABLES) {
      expect(await to.copy.count(name)).toBe(EXPECTED_COUNTS[name]);
    }

    // Through the repos: what the bridge reads after the move.
    const t1 = await from.tokens.get('t1');
    expect(await to.tokens.get('t1')).toEqual(t1);
    expect(t1).toMatchObject({ claim_user: 'U2', warned_at_ms: 2500, slack_ts: '111.1' });
    expect(await to.tokens.get('t2')).toMatchObject({ status: 'resolved', human_input: '{"choice":"yes"}' });
    expect(await to.tokens.get('t0')).toMatchObject({ status: 'cancelled', closed_ms: 100 });
    expect(await to.tokens.get('gone')).toBeUndefined();
    expect((await to.tokens.bySlackMessage('C1', '111.1'))?.id).toBe('t1');
    expect(await to.events.page(0, 0, 10)).toEqual(await from.events.page(0, 0, 10));
    expect(await to.notes.forToken('t1')).toEqual(await from.notes.forToken('t1'));
    expect(await to.approvals.forToken('t1')).toEqual(await from.approvals.forToken('t1'));
    expect(await to.subscriptions.all()).toEqual(await from.subscriptions.all());
    expect(await to.phaseFiles.all()).toEqual(await from.phaseFiles.all());
    // A token listed in a digest, or posted in a group's thread, is still there after the move: not posted again.
    expect(await to.digests.digestOf('t3')).toEqual(await from.digests.digestOf('t3'));
    expect(await to.digests.digestOf('t3')).toMatchObject({ ts: '222.2' });
    expect(await to.digests.groupOf('t2')).toEqual(await from.digests.groupOf('t2'));
    expect(await to.digests.groupOf('t2')).toMatchObject({ parent_ts: '333.3', poster: 't2' });
    expect(await to.outbox.get(fixture.outbox.pending)).toMatchObject({
      status: 'pending',
      host: 'h1',
      gate: 'slack.post:C1',
      payload: '{"a":1}',
      run_at_ms: 7000,
    });
    expect(await to.outbox.get(fixture.outbox.dead)).toMatchObject({ status: 'dead', last_error: 'gave up' });
    expect(await to.outbox.get(fixture.outbox.done)).toBeUndefined();
    expect(await to.intake.get(fixture.intake.pending)).toEqual(await from.intake.get(fixture.intake.pending));
    expect(await to.intake.byKey('slack:2')).toBeUndefined();

    // New rows on the target get ids above every copied one.
    const seqs = source.tokens.map((t) => t.seq as number);
    await to.tokens.insert(tokenRow('t9'));
    expect((await to.tokens.get('t9'))?.seq).toBeGreaterThan(Math.max(...seqs));
    const eventSeqs = source.events.map((e) => e.seq as number);
    const e1 = await to.events.append({ tokenId: 't9', type: 'ejected', atMs: 9000 });
    const e2 = await to.events.append({ tokenId: 't9', type: 'resolved', atMs: 9001 });
    expect(e1).toBeGreaterThan(Math.max(...eventSeqs));
    expect(e2).toBeGreaterThan(e1);
    expect(await to.notes.add({ tokenId: 't9', author: 'U1', authorName: null, text: 'x', atMs: 1 })).toBe(true);
    expect((await to.notes.forToken('t9'))[0]?.id).toBeGreaterThan(
      Math.max(...source.notes.map((n) => n.id as number)),
    );
    expect(await to.outbox.enqueue({ kind: 'post', tokenId: 't9' }, 9000)).toBeGreaterThan(fixture.outbox.dead);
    expect((await to.intake.record('slack:9', 'click', '{}', 9000)).row.id).toBeGreaterThan(fixture.intake.pending);
    const copiedGroup = (await to.digests.groupOf('t2'))?.id ?? 0;
    const next = await to.digests.createGroup({ project: 'p1', runner: 'runner-b', channel: 'C2', nowMs: 9000 });
    expect(next.id).toBeGreaterThan(copiedGroup);
    // The copied pending job is claimable on the target by its host's replica only.
    const filter = { closedGates: [], fullKinds: [], host: 'h1' };
    expect((await to.outbox.claim(7000, 10, filter, 'w', 1000)).map((j) => j.id)).toContain(fixture.outbox.pending);
  });

  it('pages through tables larger than one batch', async () => {
    const from = await open(openSqliteStore(fixture.path));
    for (let i = 0; i < 1234; i++) await from.events.append({ tokenId: 't1', type: 'ejected', atMs: 10_000 + i });
    const to = await open(openPostgresStore(db.url));
    expect(await copyStore(from, to)).toMatchObject({ events: 1237 });
    expect(await to.copy.read('events', 1200, 100)).toEqual(await from.copy.read('events', 1200, 100));
  });

  describe('rodizio migrate-store', () => {
    const run = (...args: string[]) => cli(['migrate-store', ...args], {});

    it('copies and prints the rows per table; refuses a used target unless --force', async () => {
      const first = await run('--from', fixture.path, '--to', db.url);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`copied ${fixture.path} → `);
      for (const [table, n] of Object.entries(EXPECTED_COUNTS)) {
        expect(first.stdout).toMatch(new RegExp(`^ {2}${table} +${n}$`, 'm'));
      }
      const target = await open(openPostgresStore(db.url));
      const copied = await storeSnapshot(target);
      expect(copied.tokens).toHaveLength(4);

      const again = await run('--from', fixture.path, '--to', db.url);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already holds rows \(tokens, events, .*\); nothing was copied/);
      expect(again.stdout).toBe('');
      expect(await storeSnapshot(target)).toEqual(copied);

      // Something written on the target since goes; the copy is as before.
      await target.tokens.insert(tokenRow('extra'));
      const forced = await run('--from', fixture.path, '--to', db.url, '--force');
      expect(forced.stderr).toBe('');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/^ {2}tokens +4$/m);
      expect(await storeSnapshot(target)).toEqual(copied);
      await target.tokens.insert(tokenRow('t9'));
      expect((await target.tokens.get('t9'))?.seq).toBeGreaterThan(
        Math.max(...(copied.tokens as { seq: number }[]).map((t) => t.seq)),
      );
    });

    it('exits 2 on bad arguments, copying nothing', async () => {
      const missing = await run('--from', fixture.path);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--from and --to are both required');
      expect(missing.stderr).toContain('Usage: rodizio migrate-store');
      const notPostgres = await run('--from', fixture.path, '--to', join(tempDir(), 'other.db'));
      expect(notPostgres.code).toBe(2);
      expect(notPostgres.stderr).toContain('--to must be a postgres:// or postgresql:// URL');
      const unknown = await run('--from', fixture.path, '--to', db.url, '--into', 'x');
      expect(unknown.code).toBe(2);
      const target = await open(openPostgresStore(db.url));
      for (const { name } of COPIED_TABLES) expect(await target.copy.count(name)).toBe(0);
    });
  });
});
