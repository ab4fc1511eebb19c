import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openPurgatory } from '../../src/main.js';
import { openStore } from '../../src/store/open.js';
import { PYTHON_TOKEN } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { storeSnapshot } from '../helpers/store.js';
import { tempDbPath } from '../helpers/temp.js';

/** A database holding a few tokens, created through the purgatory as the API would. */
async function seeded(clock = new ManualClock('2026-01-01T00:00:00Z')) {
  const env = { RODIZIO_DB: await testDbLocation(), LOG_LEVEL: 'silent' };
  const { purgatory, close } = await openPurgatory(loadConfig(env), clock);
  await purgatory.create(PYTHON_TOKEN, { runner: 'ci', admin: false });
  await purgatory.create(
    {
      id: 'sem-late',
      reason: 'context_required',
      prompt: 'Which region?',
      deadline: '2025-12-31T00:00:00',
      project: 'web',
    },
    { runner: 'ci', admin: false },
  );
  await purgatory.create(
    { id: 'sem-done', reason: 'error_recovery', prompt: 'Retry?' },
    { runner: 'ops', admin: false },
  );
  await purgatory.resolve('sem-done', { humanInput: 'retry', by: 'alice', via: 'cli' });
  await close();
  return { env, clock };
}

async function snapshot(env: { RODIZIO_DB: string }) {
  const store = await openStore(env.RODIZIO_DB);
  try {
    return await storeSnapshot(store);
  } finally {
    await store.close();
  }
}

describe('rodizio CLI', () => {
  it('prints an overview and per-verb help', async () => {
    const overview = await cli(['--help'], {});
    expect(overview.code).toBe(0);
    for (const verb of ['serve', 'list', 'show', 'resolve', 'cancel', 'void', 'gc', 'outbox', 'manifest', 'migrate']) {
      expect(overview.stdout).toContain(`  ${verb}`);
      const help = await cli([verb, '--help'], {});
      expect(help.code, verb).toBe(0);
      expect(help.stdout, verb).toContain(`Usage: rodizio ${verb}`);
    }
  });

  it('lists tokens as a table and as JSON', async () => {
    const { env, clock } = await seeded();
    clock.advance(3 * 3_600_000);
    const table = await cli(['list'], env, clock);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+REASON\s+SEVERITY\s+PROJECT\s+RUNNER\s+AGE\s+PROMPT$/);
    expect(lines[1]).toMatch(/^sem-done\s+resolved\s+error_recovery/);
    expect(lines[2]).toMatch(/^sem-late\s+pending\s+context_required\s+info\s+web\s+ci\s+3h\s+Which region\?$/);
    const pending = await cli(['list', '--status', 'pending', '--json'], env, clock);
    expect(JSON.parse(pending.stdout).map((t: { id: string }) => t.id)).toEqual(['sem-late', 'sem-restored']);
  });

  it('shows one token with its history', async () => {
    const { env } = await seeded();
    const out = await cli(['show', 'sem-done'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('sem-done  RESOLVED  error_recovery');
    expect(out.stdout).toMatch(/answer:\s+retry/);
    expect(out.stdout).toMatch(/history:\n.*ejected.*\n.*resolved\s+by alice/);
    const json = JSON.parse((await cli(['show', 'sem-restored', '--json'], env)).stdout);
    expect(json).toMatchObject({
      id: 'sem-restored',
      frozen_state: 'dGVzdCBzdGF0ZQ==',
      history: [{ type: 'ejected' }],
    });
  });

  it('resolves with text or JSON; a second answer changes nothing and exits 1', async () => {
    const { env } = await seeded();
    const first = await cli(['resolve', 'sem-restored', '--input', 'A', '--by', 'bob'], env);
    expect(first).toMatchObject({ code: 0, stdout: 'resolved sem-restored with A\n' });
    const before = await snapshot(env);
    const second = await cli(['resolve', 'sem-restored', '--json-input', '{"x":1}'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already resolved by bob — A');
    expect(await snapshot(env)).toEqual(before);
    const json = await cli(['resolve', 'sem-late', '--json-input', '{"region":"eu"}', '--json'], env);
    expect(JSON.parse(json.stdout).reentry).toMatchObject({
      human_input: { region: 'eu' },
      via: 'cli',
      outcome: 'resolved',
    });
  });

  it('cancels, voids overdue tokens, and collects old ones', async () => {
    const { env, clock } = await seeded();
    expect((await cli(['cancel', 'sem-restored', '--reason', 'obsolete'], env, clock)).stdout).toBe(
      'cancelled sem-restored\n',
    );
    const voided = await cli(['void'], env, clock);
    expect(voided.stdout).toBe('expired 1: sem-late\n');
    expect((await cli(['void'], env, clock)).stdout).toBe('no overdue tokens\n');
    const late = JSON.parse((await cli(['show', 'sem-late', '--json'], env, clock)).stdout);
    expect(late).toMatchObject({ status: 'expired', voided_at: '2026-01-01T00:00:00.000+00:00' });

    expect((await cli(['gc', '--older-than', '1d'], env, clock)).stdout).toBe(
      'deleted 0 tokens closed more than 1d ago\n',
    );
    clock.advance(2 * 86_400_000);
    expect((await cli(['gc', '--older-than', '1d', '--json'], env, clock)).stdout).toBe('{"deleted":3}\n');
    expect((await cli(['list', '--json'], env, clock)).stdout).toBe('[]\n');
  });

  it('prints a Slack app manifest for HTTP mode and for Socket Mode', async () => {
    const http = await cli(['manifest', '--url', 'https://rodizio.acme.dev/'], {});
    expect(http.code).toBe(0);
    const m = JSON.parse(http.stdout);
    expect(m.settings).toMatchObject({
      event_subscriptions: {
        request_url: 'https://rodizio.acme.dev/slack/events',
        bot_events: ['app_home_opened', 'message.channels', 'message.groups', 'message.im', 'message.mpim'],
      },
      interactivity: { is_enabled: true, request_url: 'https://rodizio.acme.dev/slack/events' },
      socket_mode_enabled: false,
    });
    expect(m.features.slash_commands[0]).toMatchObject({
      command: '/rodizio',
      url: 'https://rodizio.acme.dev/slack/events',
    });
    expect(m.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['chat:write', 'commands', 'channels:history', 'usergroups:read', 'users:read']),
    );
    const socket = JSON.parse((await cli(['manifest', '--socket-mode'], {})).stdout);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(socket)).not.toContain('request_url');
    expect(socket.features.slash_commands[0].url).toBeUndefined();
    const placeholder = await cli(['manifest'], {});
    expect(placeholder.stderr).toContain('no --url given');
  });

  it('migrates and reports the schema version', async () => {
    const env = { RODIZIO_DB: tempDbPath() };
    expect((await cli(['migrate'], env)).stdout).toMatch(/schema 0 → \d+/);
    expect((await cli(['migrate'], env)).stdout).toMatch(/is at schema version \d+/);
  });

  describe('bad input: usage errors exit 2, failures exit 1, the store is unchanged', () => {
    const cases: [string, string[], number, RegExp][] = [
      ['no command', [], 2, /Usage: rodizio <command>/],
      ['an unknown command', ['frobnicate'], 2, /unknown command "frobnicate"/],
      ['an unknown option', ['list', '--colour'], 2, /Unknown option '--colour'/],
      ['a bad status', ['list', '--status', 'open'], 2, /--status must be one of/],
      ['a bad limit', ['list', '--limit', 'lots'], 2, /--limit must be/],
      ['show without id', ['show'], 2, /expected 1 argument/],
      ['show of an unknown token', ['show', 'sem-nope'], 1, /no token with id sem-nope/],
      ['resolve without input', ['resolve', 'sem-restored'], 2, /exactly one of --input or --json-input/],
      ['resolve with both inputs', ['resolve', 'sem-restored', '--input', 'a', '--json-input', '1'], 2, /exactly one/],
      ['resolve with bad JSON', ['resolve', 'sem-restored', '--json-input', '{oops'], 2, /not valid JSON/],
      ['resolve of an unknown token', ['resolve', 'sem-nope', '--input', 'A'], 1, /no token with id sem-nope/],
      ['cancel of an unknown token', ['cancel', 'sem-nope'], 1, /no token with id sem-nope/],
      ['cancel of a closed token', ['cancel', 'sem-done'], 1, /already resolved; nothing changed/],
      ['gc with a bad duration', ['gc', '--older-than', 'forever'], 2, /not a duration/],
      ['void with an argument', ['void', 'now'], 2, /expected 0 argument/],
      ['outbox with a bad status', ['outbox', '--status', 'stuck'], 2, /--status must be one of pending, done, dead/],
      ['outbox with an unknown action', ['outbox', 'flush'], 2, /unknown outbox action "flush"/],
      ['outbox retry without an id', ['outbox', 'retry'], 2, /needs a job id/],
      ['outbox retry of a job that is not dead', ['outbox', 'retry', '999'], 1, /job 999 is not dead/],
      ['manifest with an http URL', ['manifest', '--url', 'http://example.com'], 2, /must start with https:\/\//],
      ['deliveries with a bad status', ['deliveries', '--status', 'lost'], 2, /--status must be one of/],
      ['migrate with an argument', ['migrate', 'now'], 2, /expected 0 argument/],
      ['escalate without a project', ['escalate', '--issue', '3'], 2, /--project is required/],
    ];
    for (const [name, argv, code, message] of cases) {
      it(name, async () => {
        const { env } = await seeded();
        const before = await snapshot(env);
        const out = await cli(argv, env);
        expect(out.code).toBe(code);
        expect(out.stderr + out.stdout).toMatch(message);
        expect(await snapshot(env)).toEqual(before);
      });
    }

    it('serve refuses a bad configuration at start-up and names the key', async () => {
      const out = await cli(['serve'], { RODIZIO_DB: tempDbPath(), DEADLINE_SCHEDULE: '*/0 * * *' });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/DEADLINE_SCHEDULE: "\*\/0 \* \* \*" is not a cron expression/);
    });

    it('demo says clearly when no bridge is running', async () => {
      const out = await cli(['demo', '--url', 'http://127.0.0.1:9', '--token', 'x'], { RODIZIO_DB: tempDbPath() });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/cannot reach the bridge at http:\/\/127\.0\.0\.1:9 .*is `npm start` running\?/);
    });

    it('an invalid environment variable is named', async () => {
      const out = await cli(['list'], { RODIZIO_DB: tempDbPath(), LOG_LEVEL: 'loud' });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/LOG_LEVEL/);
    });

    it('a schema answer that does not fit', async () => {
      const { env } = await seeded();
      const { purgatory, close } = await openPurgatory(loadConfig(env));
      await purgatory.create(
        {
          id: 'sem-form',
          reason: 'resource_decision',
          answer_schema: { properties: { n: { type: 'integer' } }, required: ['n'] },
        },
        { runner: 'ci', admin: false },
      );
      await close();
      const before = await snapshot(env);
      const out = await cli(['resolve', 'sem-form', '--json-input', '{"n":"three"}'], env);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/human_input\.n: Enter a whole number\./);
      expect(await snapshot(env)).toEqual(before);
    });
  });
});

describe('resolve --json-input limits', () => {
  it('refuses an answer nested deeper than 64 levels with a usage error, and changes nothing', async () => {
    const { env } = await seeded();
    const before = await snapshot(env);
    const deep = `${'['.repeat(65)}1${']'.repeat(65)}`;
    const res = await cli(['resolve', 'sem-late', '--json-input', deep], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--json-input nests arrays and objects more than 64 levels deep');
    expect(await snapshot(env)).toEqual(before);
  });
});
