import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADMIN_SECRET, RUNNER_SECRET } from '../helpers/bridge.js';
import { startChildBridge } from '../helpers/child-bridge.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { BOT_TOKEN, CARDS, holdCall, SIGNING_SECRET, startFakeSlack } from '../helpers/slack.js';
import { tempDbPath } from '../helpers/temp.js';

const blockers: Server[] = [];
afterEach(async () => {
  for (const s of blockers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** Something else listening on a port, as another program would. */
async function occupy(port: number): Promise<void> {
  const server = createServer();
  blockers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

function bridgeEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    RODIZIO_API_TOKENS: `ci:${RUNNER_SECRET}`,
    RODIZIO_ADMIN_TOKEN: ADMIN_SECRET,
    RODIZIO_PHASE_WATCH: 'false',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** The runner-lock rows, read with SQL: these tests spawn `rodizio serve` on a SQLite temp file whatever the engine. */
const locks = (db: string) => {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT owner, pid FROM runner_locks').all();
  } finally {
    conn.close();
  }
};

// Each test starts two or three child processes; on 2 busy cores one start can take several seconds.
describe('rodizio serve: a process that cannot serve starts nothing', { timeout: 60_000 }, () => {
  it('port taken: exit 1 with one line naming the port, and the database lock is let go', async () => {
    const port = await freePort();
    await occupy(port);
    const db = tempDbPath();
    const res = await spawnCli(['serve'], bridgeEnv({ PORT: String(port), RODIZIO_DB: db }));
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      `rodizio serve: cannot listen on 127.0.0.1:${port}: the port is in use (another rodizio?); set PORT to another port`,
    ]);
    expect(res.stdout).toBe('');
    expect(locks(db)).toEqual([]);
  });

  it('a second bridge on the same database (sandbox mode, as a second `npm start`) is refused and the first keeps working', async () => {
    const db = tempDbPath();
    const first = await startChildBridge(
      bridgeEnv({ PORT: String(await freePort()), RODIZIO_DB: db, RODIZIO_SANDBOX: '1' }),
    );
    const second = await spawnCli(
      ['serve'],
      bridgeEnv({ PORT: String(await freePort()), RODIZIO_DB: db, RODIZIO_SANDBOX: '1' }),
    );
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^rodizio serve: .*rodizio\\.db is in use by another rodizio \\(pid ${first.child.pid} on .+, last heartbeat \\d+s ago\\)`,
      ),
    );
    expect(locks(db)).toEqual([expect.objectContaining({ pid: first.child.pid })]);

    // The first bridge still owns its outbox: a new token's card appears in its sandbox workspace.
    const created = await fetch(`${first.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RUNNER_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approval_needed', prompt: 'Still here?', options: ['yes'] }),
    }).then((r) => r.json());
    await vi.waitUntil(
      async () => {
        const state = await fetch(`${first.url}/sandbox/api/state`).then((r) => r.json());
        return JSON.stringify(state).includes('Still here?');
      },
      { timeout: 10_000, interval: 50 },
    );
    const token = await fetch(`${first.url}/v1/tokens/${created.id}`, {
      headers: { authorization: `Bearer ${RUNNER_SECRET}` },
    }).then((r) => r.json());
    expect(token.status).toBe('pending');
  });

  it('the CLI works beside a running server on the same database', async () => {
    const db = tempDbPath();
    const env = bridgeEnv({ PORT: String(await freePort()), RODIZIO_DB: db, RODIZIO_SANDBOX: '0' });
    const server = await startChildBridge(env);
    const created = await fetch(`${server.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RUNNER_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approval_needed', prompt: 'From the CLI?', options: ['yes'] }),
    }).then((r) => r.json());
    const listed = await spawnCli(['list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(created.id);
    const resolved = await spawnCli(['resolve', created.id, '--input', 'yes'], env);
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    const reentry = await fetch(`${server.url}/v1/tokens/${created.id}/reentry?wait=5`, {
      headers: { authorization: `Bearer ${RUNNER_SECRET}` },
    }).then((r) => r.json());
    expect(reentry).toMatchObject({ token_id: created.id, human_input: 'yes', outcome: 'resolved' });
  });

  it('the first Ctrl-C stops serve', async () => {
    const env = bridgeEnv({ PORT: String(await freePort()), RODIZIO_DB: tempDbPath(), RODIZIO_SANDBOX: '1' });
    const server = await startChildBridge(env);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(locks(env.RODIZIO_DB as string)).toEqual([]);
  });

  it('Ctrl-C while Slack has not answered auth.test stops serve at once: exit 0, nothing posted, the lock let go', async () => {
    const fake = await startFakeSlack();
    // Slack does not answer auth.test: without the stop, start() would wait out the Web API's 10 s timeout.
    const { release } = holdCall(fake, 'auth.test');
    const db = tempDbPath();
    const env = bridgeEnv({
      PORT: String(await freePort()),
      RODIZIO_DB: db,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_CHANNEL: CARDS,
      LOG_LEVEL: 'info',
    });
    const server = await startChildBridge(env, { until: 'port' });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'starting' });
    expect(locks(db)).toEqual([expect.objectContaining({ pid: server.child.pid })]);

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = server.output
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => l.msg)).toContain('stopping while starting');
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.map((l) => l.msg)).not.toContain('connected to Slack');
    // Nothing was posted (a held call is recorded once answered).
    expect(fake.calls).toEqual([]);
    expect(locks(db)).toEqual([]);
    release();
  });

  it('the first Ctrl-C stops demo while it waits for answers', async () => {
    const env = bridgeEnv({ PORT: String(await freePort()), RODIZIO_DB: tempDbPath(), RODIZIO_SANDBOX: '1' });
    const server = await startChildBridge(env);
    const { spawn } = await import('node:child_process');
    const { CLI_ENTRY, ROOT } = await import('../helpers/cli.js');
    const demo = spawn(process.execPath, [CLI_ENTRY, 'demo', '--no-phase', '--url', server.url], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RODIZIO_ENV_FILE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (d) => {
      out += d;
    });
    await vi.waitUntil(() => out.includes('open'), { timeout: 15_000, interval: 50 });
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).toContain('rodizio demo: stopped');
  });
});
