import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { WIRE_KEYS } from '../../src/domain/token.js';
import type { ImportReport } from '../../src/import/import.js';
import { openPurgatory } from '../../src/main.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { TokenRow } from '../../src/store/tokens.js';
import { cli, spawnCli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { storeSnapshot } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';
import { MIXED_NOW, mixedFile, seedMixed } from './mixed.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const SAVED = new URL('saved-purgatory.json', FIXTURES).pathname;
const LINES = new URL('tokens.jsonl', FIXTURES).pathname;
const SAVED_JSON = JSON.parse(readFileSync(SAVED, 'utf8')) as { tokens: Record<string, Record<string, unknown>> };

/** The fixtures were emitted at 13:11 UTC by a process in New York; the test clock is a few seconds later. */
const clockAtFixture = () => new ManualClock('2026-11-30T13:12:00Z');

/** An environment on a fresh database of the run's engine. */
async function testEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { RODIZIO_DB: await testDbLocation(), RODIZIO_API_TOKENS: 'ci:ci-secret', LOG_LEVEL: 'silent', ...extra };
}

/** Reads through a store of its own, closed again before returning (the CLI opens the database in between). */
async function withStore<T>(env: Record<string, string>, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(env.RODIZIO_DB as string);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const ALL = 100_000;
const snapshot = (env: Record<string, string>) => withStore(env, storeSnapshot);

const rows = (env: Record<string, string>): Promise<TokenRow[]> =>
  withStore(env, async (store) =>
    (await store.tokens.list({ limit: ALL })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  );
const jobs = (env: Record<string, string>) =>
  withStore(env, async (store) =>
    (await store.outbox.list({ limit: ALL }))
      .sort((a, b) => a.id - b.id)
      .map((j) => ({ token_id: j.token_id, kind: j.kind })),
  );
const events = (env: Record<string, string>, type: string) =>
  withStore(env, async (store) =>
    (await store.events.page(0, 0, ALL))
      .filter((e) => e.type === type)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ token_id: e.token_id, data: e.data })),
  );

function writeTemp(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

async function importJson(args: string[], env: Record<string, string>, clock = clockAtFixture()) {
  const out = await cli(['import', ...args, '--json'], env, clock);
  return { ...out, report: (out.stdout ? JSON.parse(out.stdout) : undefined) as ImportReport };
}

const LIVE = ['sem-06fb5561', 'sem-98194b2b', 'sem-a9241baf'];
const HISTORY = [
  { id: 'sem-962f21bd', status: 'resolved' },
  { id: 'sem-e441b9c0', status: 'cancelled' },
  { id: 'sem-fe656101', status: 'expired' },
];

describe('rodizio import', () => {
  it("imports the Python purgatory's saved file: pending live with their cards queued, closed ones as history", async () => {
    const env = await testEnv();
    const { code, report, stderr } = await importJson([SAVED], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report).toEqual({
      format: 'saved_purgatory',
      dry_run: false,
      runner: 'ci',
      counts: { read: 6, live: 3, history: 3, skipped: 0, refused: 0 },
      live: LIVE,
      history: HISTORY,
      skipped: [],
      refused: [],
      // Imports never infer an offset from created_at (a saved token arrives long after it was made): without a
      // declared zone the naive times are read as UTC, and the report says so.
      warnings: [
        'naive times of 3 live token(s) were read as UTC: sem-06fb5561, sem-98194b2b, sem-a9241baf. ' +
          'Declare runners.ci.timezone in RODIZIO_CONFIG before importing tokens from agents outside UTC.',
      ],
    });

    const stored = await rows(env);
    expect(stored.map((r) => [r.id, r.status, r.runner])).toEqual([
      ['sem-06fb5561', 'pending', 'ci'],
      ['sem-962f21bd', 'resolved', 'ci'],
      ['sem-98194b2b', 'pending', 'ci'],
      ['sem-a9241baf', 'pending', 'ci'],
      ['sem-e441b9c0', 'cancelled', 'ci'],
      ['sem-fe656101', 'expired', 'ci'],
    ]);
    const resolved = stored.find((r) => r.id === 'sem-962f21bd');
    expect(resolved).toMatchObject({
      resolved_at: '2026-11-30T08:16:46.696639',
      cancelled_at: null,
      voided_at: null,
      // Without a declared time zone a closed token's naive time is read as UTC (no inference: it arrived late).
      closed_ms: Date.parse('2026-11-30T08:16:46.696Z'),
      human_input: null,
      slack_ts: null,
    });
    // The sandbox's Slack is configured: each live token has its card queued, history has no job of any kind.
    expect(await jobs(env)).toEqual(LIVE.map((id) => ({ token_id: id, kind: 'slack.card' })));
    expect((await events(env, 'imported')).map((e) => [e.token_id, JSON.parse(e.data)])).toEqual([
      ['sem-06fb5561', { as: 'live', runner: 'ci' }],
      ['sem-962f21bd', { as: 'history', runner: 'ci', status: 'resolved', resolved_at: '2026-11-30T08:16:46.696639' }],
      ['sem-98194b2b', { as: 'live', runner: 'ci' }],
      [
        'sem-e441b9c0',
        { as: 'history', runner: 'ci', status: 'cancelled', cancelled_at: '2026-11-30T08:18:46.696639' },
      ],
      ['sem-a9241baf', { as: 'live', runner: 'ci' }],
      ['sem-fe656101', { as: 'history', runner: 'ci', status: 'expired', voided_at: '2026-11-30T08:20:46.696639' }],
    ]);
    expect((await events(env, 'ejected')).map((e) => e.token_id)).toEqual(LIVE);

    // Every token reads back with the 14 keys exactly as the file has them.
    const { purgatory, close } = await openPurgatory(loadConfig(env));
    try {
      for (const [id, sent] of Object.entries(SAVED_JSON.tokens)) {
        const token = await purgatory.get(id);
        expect(Object.fromEntries(WIRE_KEYS.map((k) => [k, token[k]]))).toEqual(sent);
      }
      expect(await purgatory.reentry('sem-962f21bd')).toMatchObject({
        outcome: 'resolved',
        human_input: null,
        via: null,
      });
    } finally {
      await close();
    }

    // The same file again: everything skipped, nothing changed.
    const before = await snapshot(env);
    const again = await importJson([SAVED], env);
    expect(again.code).toBe(0);
    expect(again.report.counts).toEqual({ read: 6, live: 0, history: 0, skipped: 6, refused: 0 });
    expect(again.report.skipped.map((s) => [s.id, s.status])).toEqual([
      ['sem-06fb5561', 'pending'],
      ['sem-962f21bd', 'resolved'],
      ['sem-98194b2b', 'pending'],
      ['sem-e441b9c0', 'cancelled'],
      ['sem-a9241baf', 'pending'],
      ['sem-fe656101', 'expired'],
    ]);
    expect(await snapshot(env)).toEqual(before);
  });

  it("reads a closed token's naive times in the runner's declared time zone", async () => {
    const config = writeTemp('config.json', JSON.stringify({ runners: { ci: { timezone: 'America/New_York' } } }));
    const env = await testEnv({ RODIZIO_CONFIG: config });
    const { code } = await importJson([SAVED], env);
    expect(code).toBe(0);
    const resolved = (await rows(env)).find((r) => r.id === 'sem-962f21bd');
    expect(resolved?.closed_ms).toBe(Date.parse('2026-11-30T13:16:46.696Z'));
    expect(resolved?.resolved_at).toBe('2026-11-30T08:16:46.696639');
  });

  it('runs as the real executable on JSON lines', async () => {
    const env = await testEnv();
    const out = await spawnCli(['import', LINES], env);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe(
      '6 read (json lines), imported 6 for runner "ci": 6 live, 0 history; 0 skipped, 0 refused',
    );
    expect((await rows(env)).map((r) => r.status)).toEqual(Array(6).fill('pending'));
  });

  it('imports a JSON array', async () => {
    const env = await testEnv();
    const tokens = Object.values(SAVED_JSON.tokens);
    const { code, report } = await importJson([writeTemp('tokens.json', JSON.stringify(tokens, null, 2))], env);
    expect(code).toBe(0);
    expect(report).toMatchObject({ format: 'json_array', live: LIVE, history: HISTORY });
  });

  it('imports 1,000 mixed tokens with exact counts, and a second run changes nothing', async () => {
    const env = await testEnv();
    const clock = new ManualClock(MIXED_NOW);
    const seeded = await openPurgatory(loadConfig(env), clock);
    await seedMixed(seeded.purgatory);
    await seeded.close();
    const seededRows = await rows(env);
    const { text, expected } = mixedFile();
    const file = writeTemp('mixed.jsonl', text);

    const { code, report } = await importJson([file], env, clock);
    expect(code).toBe(1); // some tokens were refused; the others are imported
    expect(report.counts).toEqual({ read: 1000, live: 380, history: 380, skipped: 140, refused: 100 });
    expect(report.live).toEqual(expected.live);
    expect(report.history).toEqual(expected.history.map(({ id, status }) => ({ id, status })));
    expect(report.skipped.map((s) => s.id)).toEqual(expected.skipped);
    expect(report.refused.map((r) => ({ line: r.line, id: r.id }))).toEqual(expected.refused);
    // One of each refusal, with its reason and field paths.
    const byLine = (line: number) => report.refused.find((r) => r.line === line);
    expect(byLine(9)?.message).toMatch(/^line 9 is not valid JSON/);
    expect(byLine(19)?.issues).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect(byLine(29)).toMatchObject({
      message: 'the token is in several terminal states (resolved_at, voided_at); a token closes once',
      issues: [
        { path: 'resolved_at', message: 'only one may be set' },
        { path: 'voided_at', message: 'only one may be set' },
      ],
    });
    expect(byLine(39)?.issues).toEqual([{ path: 'id', message: expect.stringContaining('required when importing') }]);
    expect(byLine(49)?.issues).toEqual([expect.objectContaining({ path: 'frozen_state' })]);
    expect(report.skipped.find((s) => s.id === 'sem-mix-0000')).toEqual({
      id: 'sem-mix-0000',
      at: 'line 10',
      status: 'pending',
      reason: 'the same id came earlier in this file',
    });
    expect(report.skipped.find((s) => s.id === 'sem-mix-0005')?.reason).toBe('already stored (resolved)');

    // The store holds exactly what the report says.
    const stored = new Map((await rows(env)).map((r) => [r.id, r]));
    expect(stored.size).toBe(seededRows.length + 380 + 380);
    for (const id of expected.live) expect(stored.get(id)?.status, id).toBe('pending');
    for (const h of expected.history) {
      const row = stored.get(h.id) as unknown as Record<string, unknown>;
      expect([row.status, row[h.key], row.closed_ms], h.id).toEqual([
        h.status,
        h.at,
        Date.parse(`${h.at.slice(0, 23)}Z`),
      ]);
    }
    for (const before of seededRows) expect(stored.get(before.id), before.id).toEqual(before);
    const liveSet = new Set(expected.live);
    const queued = (await jobs(env)).filter((j) => !seededRows.some((r) => r.id === j.token_id));
    expect(queued.every((j) => j.token_id !== null && liveSet.has(j.token_id) && j.kind === 'slack.card')).toBe(true);
    expect(new Set(queued.map((j) => j.token_id)).size).toBe(380);

    const before = await snapshot(env);
    const again = await importJson([file], env, clock);
    expect(again.report.counts).toEqual({ read: 1000, live: 0, history: 0, skipped: 900, refused: 100 });
    expect(await snapshot(env)).toEqual(before);
  });

  it('--dry-run reports the same counts and writes nothing', async () => {
    const env = await testEnv();
    const clock = new ManualClock(MIXED_NOW);
    const seeded = await openPurgatory(loadConfig(env), clock);
    await seedMixed(seeded.purgatory);
    await seeded.close();
    const file = writeTemp('mixed.jsonl', mixedFile().text);

    const before = await snapshot(env);
    const dry = await importJson([file, '--dry-run'], env, clock);
    expect(dry.report.dry_run).toBe(true);
    expect(await snapshot(env)).toEqual(before);

    const real = await importJson([file], env, clock);
    expect(real.report.dry_run).toBe(false);
    expect({ ...dry.report, dry_run: false }).toEqual(real.report);

    const human = await cli(['import', file, '--dry-run'], env, clock);
    expect(human.stdout.split('\n')[0]).toBe(
      'dry run: 1000 read (json lines), would import 0 for runner "ci": 0 live, 0 history; 900 skipped, 100 refused',
    );
  });

  it('refuses a file it cannot read as a whole, with a clear error, and changes nothing', async () => {
    const env = await testEnv();
    await importJson([SAVED], env);
    const before = await snapshot(env);
    const cases: [string, RegExp][] = [
      ['not json {', /^rodizio import: the file is not valid JSON/],
      ['"just a string"', /^rodizio import: the file is a string: expected a saved purgatory file/],
      [JSON.stringify({ tokens: [], version: 1 }), /tokens: must be an object mapping token ids to tokens/],
      [JSON.stringify({ tokens: {}, version: 2 }), /version: version 2 is not supported: rodizio reads version 1/],
      ['', /^rodizio import: the file is empty/],
    ];
    for (const [text, message] of cases) {
      const out = await cli(['import', writeTemp('bad.json', text)], env);
      expect(out.code, text).toBe(1);
      expect(out.stderr, text).toMatch(message);
      expect(out.stdout, text).toBe('');
    }
    const missing = await cli(['import', '/nonexistent/file.json'], env);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^rodizio import: cannot read/)]);
    expect(await snapshot(env)).toEqual(before);
  });

  it('refuses a token in two terminal states and imports the rest', async () => {
    const env = await testEnv();
    const tokens = Object.values(SAVED_JSON.tokens);
    const twice = { ...tokens[1], cancelled_at: '2026-11-30T08:17:00' };
    const { code, report } = await importJson([writeTemp('a.json', JSON.stringify([twice, tokens[0]]))], env);
    expect(code).toBe(1);
    expect(report.counts).toMatchObject({ live: 1, refused: 1 });
    expect(report.refused).toEqual([
      {
        id: 'sem-962f21bd',
        at: 'item 0',
        line: null,
        code: 'invalid_request',
        message: 'the token is in several terminal states (resolved_at, cancelled_at); a token closes once',
        issues: [
          { path: 'resolved_at', message: 'only one may be set' },
          { path: 'cancelled_at', message: 'only one may be set' },
        ],
      },
    ]);
    expect((await rows(env)).map((r) => r.id)).toEqual(['sem-06fb5561']);
  });

  it('needs a configured runner: --runner names one, the only one is the default', async () => {
    const env = await testEnv({ RODIZIO_API_TOKENS: 'ci:a,ops:b' });
    const none = await cli(['import', SAVED], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name the runner that owns the imported tokens (configured: "ci", "ops")');
    const unknown = await cli(['import', SAVED, '--runner', 'nobody'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"nobody" is not a runner in RODIZIO_API_TOKENS (configured: "ci", "ops")');
    const named = await importJson([SAVED, '--runner', 'ops'], env);
    expect(named.report.runner).toBe('ops');
    expect(new Set((await rows(env)).map((r) => r.runner))).toEqual(new Set(['ops']));

    const other = await testEnv({ RODIZIO_API_TOKENS: 'ci:a' });
    const token = { ...SAVED_JSON.tokens['sem-06fb5561'], runner: 'ops' };
    const foreign = await importJson([writeTemp('f.json', JSON.stringify([token]))], other);
    expect(foreign.report.refused[0]).toMatchObject({ code: 'forbidden', message: expect.stringContaining('"ops"') });
  });
});
