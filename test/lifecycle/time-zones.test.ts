import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { FileConfig, loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/store.js';
import { inferUtcOffset, parseIsoTime } from '../../src/time.js';
import { CI_ALLOW, OTHER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { tempDir } from '../helpers/temp.js';

const MINUTE = 60_000;
const FIXTURES = '/work/shared/fixtures/python-agent/tokens.jsonl';

/**
 * Naive local times exactly as Python's `datetime.now().isoformat()` writes them in a process running with `TZ`:
 * `YYYY-MM-DDTHH:MM:SS.ffffff`, no offset. A child process, so the zone is the OS's, not one we computed.
 */
function pythonLocalTimes(tz: string, instants: number[]): string[] {
  const script = `
    const p = (n, w = 2) => String(n).padStart(w, '0');
    const out = JSON.parse(process.argv[1]).map((ms) => {
      const d = new Date(ms);
      return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' +
        p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3) + '417';
    });
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['-e', script, JSON.stringify(instants)], {
    env: { PATH: process.env.PATH ?? '', TZ: tz },
  });
  return JSON.parse(stdout.toString()) as string[];
}

/** A token as the Python classes build it: created a couple of seconds before it reaches rodizio. */
function pythonToken(tz: string, nowMs: number, deadlineInMs: number | null, extra: Record<string, unknown> = {}) {
  const [createdAt, deadline] = pythonLocalTimes(tz, [nowMs - 2300, nowMs + (deadlineInMs ?? 0)]);
  expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  return {
    reason: 'approval_needed',
    frozen_state: 'gASVMgAAAAAAAAB9lC4=',
    original_event: { kind: 'job', n: 0 },
    required_type: null,
    deadline: deadlineInMs === null ? null : deadline,
    escalation: 'team-lead',
    prompt: 'Deploy?',
    options: ['Approve', 'Reject'],
    severity: 'info',
    created_at: createdAt,
    resolved_at: null,
    cancelled_at: null,
    voided_at: null,
    ...extra,
  };
}

/** The stored deadline instant (`deadline_ms`), read through the store. */
async function deadlineMs(store: Store, id: string): Promise<number | null> {
  const row = await store.tokens.get(id);
  if (!row) throw new Error(`no token ${id}`);
  return row.deadline_ms;
}

const warnings = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.level === 'warn' && String(l.msg).includes('sends naive local times'));

describe('naive times from the Python classes (no time zone declared)', () => {
  it('infers New York from the fixtures, returns every time as sent, and `rodizio void` expires nothing early', async () => {
    // The fixtures were emitted at 2026-11-30 13:11:46.697 UTC with TZ=America/New_York; they arrive 1.3 s later.
    const clock = new ManualClock('2026-11-30T13:11:48.000Z');
    const t = await startTestBridge({ clock });
    const lines = readFileSync(FIXTURES, 'utf8').trim().split('\n');
    for (const line of lines) {
      const sent = JSON.parse(line) as { id: string; created_at: string; deadline: string | null };
      const res = await t.call('POST', '/v1/tokens', {
        rawBody: line,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, sent.id).toBe(201);
      const read = await t.call('GET', `/v1/tokens/${sent.id}`);
      expect(read.json.created_at).toBe(sent.created_at);
      expect(read.json.deadline).toBe(sent.deadline);
      expect(read.json.time_offset).toEqual({ assumed: '-05:00', from: 'created_at' });
      const expected = sent.deadline === null ? null : (parseIsoTime(sent.deadline) as number) + 5 * HOUR;
      expect(await deadlineMs(t.bridge.store, sent.id)).toBe(expected);
    }
    const env = { RODIZIO_DB: t.bridge.store.location, LOG_LEVEL: 'silent' };
    expect((await cli(['void'], env, clock)).stdout).toBe('no overdue tokens\n');
    clock.advance(HOUR);
    expect((await cli(['void'], env, clock)).stdout).toBe('expired 1: sem-06fb5561\n');
  });

  it('reads a New York agent one hour ahead: the deadline sweep acts at the hour, not at once', async () => {
    const t = await startFollowupBridge();
    const body = pythonToken('America/New_York', T0, HOUR, { expiry_policy: 'expire' });
    const { id } = await t.createAndPost(body);
    expect((await t.bridge.purgatory.get(id)).time_offset).toEqual({ assumed: '-05:00', from: 'created_at' });
    expect(await deadlineMs(t.bridge.store, id)).toBe(T0 + HOUR);
    await t.at(0);
    await t.at(HOUR - 1000);
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    await t.at(HOUR);
    expect((await t.bridge.purgatory.get(id)).status).toBe('expired');
  });

  it('shows the assumption on the card context line, and the deadline at the right instant', async () => {
    const t = await startFollowupBridge();
    const { card } = await t.createAndPost(pythonToken('America/New_York', T0, 2 * HOUR));
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain('agent times read as UTC-05:00 (inferred from created_at)');
    expect(blocks).toContain(`<!date^${(T0 + 2 * HOUR) / 1000}^`);
  });

  it('infers +05:30 from an agent in India', async () => {
    const clock = new ManualClock('2026-05-04T10:20:30.000Z');
    const t = await startTestBridge({ clock });
    const res = await t.call('POST', '/v1/tokens', { body: pythonToken('Asia/Kolkata', clock.now(), 3 * HOUR) });
    expect(res.status).toBe(201);
    expect(res.json.time_offset).toEqual({ assumed: '+05:30', from: 'created_at' });
    expect(await deadlineMs(t.bridge.store, res.json.id)).toBe(clock.now() + 3 * HOUR);
  });

  it.each([
    ['within 30 minutes of arrival (an agent on UTC)', -20 * MINUTE],
    ['a quarter hour but under 30 minutes', -15 * MINUTE],
    ['not on a quarter hour (1 h 7 min old)', -67 * MINUTE],
    ['3 minutes off the quarter hour', -5 * HOUR - 3 * MINUTE],
    ['more than 14 hours', -14 * HOUR - 15 * MINUTE],
  ])('infers nothing when created_at is %s: naive times stay UTC', async (_, createdOffsetMs) => {
    const clock = new ManualClock('2026-11-30T13:11:48.000Z');
    const t = await startTestBridge({ clock });
    const [createdAt, deadline] = pythonLocalTimes('UTC', [clock.now() + createdOffsetMs, clock.now() + HOUR]);
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'context_required', prompt: 'Which DB?', created_at: createdAt, deadline },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ created_at: createdAt, deadline, time_offset: null });
    expect(await deadlineMs(t.bridge.store, res.json.id)).toBe(clock.now() + HOUR);
    expect(warnings(t.logs.lines)).toEqual([]);
  });

  it('takes a created_at with an offset as written and assumes nothing', async () => {
    const clock = new ManualClock('2026-11-30T13:11:48.000Z');
    const t = await startTestBridge({ clock });
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'context_required', created_at: '2026-11-30T08:11:46-05:00', deadline: '2026-11-30T09:11:46' },
    });
    expect(res.json.time_offset).toBeNull();
    expect(await deadlineMs(t.bridge.store, res.json.id)).toBe(Date.UTC(2026, 10, 30, 9, 11, 46));
  });

  it('logs the warning once per runner, naming it', async () => {
    const clock = new ManualClock('2026-11-30T13:11:48.000Z');
    const t = await startTestBridge({ clock });
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', '/v1/tokens', { body: pythonToken('America/New_York', clock.now(), HOUR) });
      expect(res.status).toBe(201);
    }
    await t.call('POST', '/v1/tokens', {
      token: OTHER_SECRET,
      body: pythonToken('America/New_York', clock.now(), null),
    });
    const warned = warnings(t.logs.lines);
    expect(warned.map((l) => l.runner)).toEqual(['ci', 'other']);
    expect(warned[0]).toMatchObject({ assumed: '-05:00' });
    expect(String(warned[0]?.msg)).toContain('runners.ci.timezone');
  });

  it('states the inference rule exactly', () => {
    const now = Date.UTC(2026, 10, 30, 13, 0, 0);
    expect(inferUtcOffset(now - 5 * HOUR - 90_000, now)).toBe(-300);
    expect(inferUtcOffset(now - 5 * HOUR - 121_000, now)).toBeUndefined();
    expect(inferUtcOffset(now + 30 * MINUTE, now)).toBe(30);
    expect(inferUtcOffset(now + 14 * HOUR, now)).toBe(840);
    expect(inferUtcOffset(now + 5 * HOUR + 45 * MINUTE, now)).toBe(345);
    // Within 2 minutes of a quarter hour counts either way (transit, clock skew); 3 minutes does not.
    expect(inferUtcOffset(now + 29 * MINUTE, now)).toBe(30);
    expect(inferUtcOffset(now - 27 * MINUTE, now)).toBeUndefined();
    expect(inferUtcOffset(now - 16 * MINUTE, now)).toBeUndefined();
  });
});

describe('a runner that declares its time zone', () => {
  const withZone = (timezone: string) => ({
    file: FileConfig.parse({ runners: { ci: { allow: CI_ALLOW, timezone } } }),
  });

  it.each([
    [
      'the day clocks go forward, after the change',
      '2026-03-08T03:30:00.000000',
      Date.UTC(2026, 2, 8, 7, 30),
      '-04:00',
    ],
    [
      'the hour that never happens (read as before the change)',
      '2026-03-08T02:30:00',
      Date.UTC(2026, 2, 8, 7, 30),
      '-05:00',
    ],
    ['the hour that happens twice (its first time)', '2026-11-01T01:30:00', Date.UTC(2026, 10, 1, 5, 30), '-04:00'],
    ['after clocks went back', '2026-11-01T02:30:00.250000', Date.UTC(2026, 10, 1, 7, 30, 0, 250), '-05:00'],
  ])('reads a naive deadline in it on %s', async (_, deadline, expectedMs, assumed) => {
    const clock = new ManualClock('2026-03-08T06:30:00Z');
    const t = await startTestBridge({ clock, config: withZone('America/New_York') });
    // 01:30 EST: created just before the spring change, deadline after it.
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', created_at: '2026-03-08T01:29:58.123456', deadline },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      created_at: '2026-03-08T01:29:58.123456',
      deadline,
      time_offset: { assumed, from: 'runner_timezone', timezone: 'America/New_York' },
    });
    expect(await deadlineMs(t.bridge.store, res.json.id)).toBe(expectedMs);
    expect(warnings(t.logs.lines)).toEqual([]);
  });

  it('uses the declared zone rather than what created_at suggests, and leaves other runners to inference', async () => {
    const clock = new ManualClock('2026-07-01T12:00:00Z');
    const t = await startTestBridge({ clock, config: withZone('Europe/Lisbon') });
    const mine = await t.call('POST', '/v1/tokens', { body: pythonToken('Europe/Lisbon', clock.now(), HOUR) });
    expect(mine.json.time_offset).toEqual({ assumed: '+01:00', from: 'runner_timezone', timezone: 'Europe/Lisbon' });
    expect(await deadlineMs(t.bridge.store, mine.json.id)).toBe(clock.now() + HOUR);
    const theirs = await t.call('POST', '/v1/tokens', {
      token: OTHER_SECRET,
      body: pythonToken('America/Los_Angeles', clock.now(), HOUR),
    });
    expect(theirs.json.time_offset).toEqual({ assumed: '-07:00', from: 'created_at' });
  });

  it('refuses an unknown zone at start-up, naming the key', async () => {
    const path = join(tempDir(), 'rodizio.json');
    writeFileSync(path, JSON.stringify({ runners: { ci: { timezone: 'America/Nowhere' } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: path })).toThrow(
      /runners\.ci\.timezone: "America\/Nowhere" is not an IANA time zone/,
    );
    const out = await cli(['list'], { RODIZIO_CONFIG: path, LOG_LEVEL: 'silent' });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('runners.ci.timezone');
  });
});
