import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openPurgatory } from '../../src/main.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const admin = { runner: 'ci', admin: true };

/**
 * A store with a history: answered in 2 min, 10 min and 1 h (C0CARDS), one expired (C0OPS), one cancelled without
 * a card, one decided by a rule-like automatic answer (not a time), one still pending, and one answered 10 days ago.
 */
async function seed(): Promise<{ env: Record<string, string>; now: number }> {
  const env = { RODIZIO_DB: await testDbLocation(), LOG_LEVEL: 'silent' };
  const clock = new ManualClock(T0 - 10 * 24 * HOUR);
  const { purgatory, close } = await openPurgatory(loadConfig({ ...env, RODIZIO_SANDBOX: 'false' }), clock);
  const make = async (reason: string, channel: string | null) => {
    const { token } = await purgatory.create({ reason, prompt: `${reason}?`, options: ['yes', 'no'] }, admin);
    if (channel) await purgatory.setSlackMessage(token.id, channel, `${clock.now() / 1000}.000100`);
    return token.id;
  };
  const old = await make('approval_needed', 'C0CARDS');
  clock.advance(MIN);
  await purgatory.resolve(old, { humanInput: 'yes', by: 'U0OLD', via: 'button' });

  clock.set(T0);
  const a = await make('approval_needed', 'C0CARDS');
  const b = await make('approval_needed', 'C0CARDS');
  const c = await make('approval_needed', 'C0CARDS');
  const d = await make('context_required', 'C0OPS');
  const e = await make('approval_needed', null);
  const f = await make('sensitive_action', 'C0OPS');
  await make('approval_needed', 'C0CARDS'); // stays pending
  await purgatory.resolve(f, { humanInput: 'yes', by: 'rodizio', via: 'rule' });
  clock.set(T0 + 2 * MIN);
  await purgatory.resolve(a, { humanInput: 'yes', by: 'U0ALICE', via: 'button' });
  clock.set(T0 + 10 * MIN);
  await purgatory.resolve(b, { humanInput: 'no', by: 'U0BOB', via: 'thread' });
  clock.set(T0 + HOUR);
  await purgatory.resolve(c, { humanInput: 'yes', by: 'U0ALICE', via: 'button' });
  clock.set(T0 + 2 * HOUR);
  await purgatory.expire(d, { actor: 'rodizio', via: 'deadline' });
  await purgatory.cancel(e, { actor: 'ci', via: 'api' });
  await close();
  return { env, now: T0 + 3 * HOUR };
}

describe('rodizio stats', () => {
  it('prints counts and time to answer by reason and by channel for the last 7 days', async () => {
    const { env, now } = await seed();
    const out = await cli(['stats'], env, new ManualClock(now));
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        'Tokens closed in the last 7d (since 2026-02-23 12:00 UTC): 4 answered, 1 expired, 1 cancelled; 1 pending now',
        '',
        'REASON            ANSWERED  EXPIRED  CANCELLED  MEDIAN  P90',
        'approval_needed   3         0        1          10m     1h',
        'context_required  0         1        0          -       -',
        'sensitive_action  1         0        0          -       -',
        '',
        'CHANNEL    ANSWERED  EXPIRED  CANCELLED  MEDIAN  P90',
        'C0CARDS    3         0        0          10m     1h',
        'C0OPS      1         1        0          -       -',
        '(no card)  0         0        1          -       -',
        '',
        'MEDIAN and P90: time from arrival to a person’s answer (rules and grants not counted).',
        '',
      ].join('\n'),
    );
  });

  it('--json and --since: a wider window takes the older answer in', async () => {
    const { env, now } = await seed();
    const out = await cli(['stats', '--since', '30d', '--json'], env, new ManualClock(now));
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({
      since: new Date(now - 30 * 24 * HOUR).toISOString(),
      until: new Date(now).toISOString(),
      totals: { answered: 5, expired: 1, cancelled: 1, pending: 1 },
    });
    expect(summary.by_reason[0]).toEqual({
      key: 'approval_needed',
      answered: 4,
      expired: 0,
      cancelled: 1,
      median_seconds: 120,
      p90_seconds: 3600,
    });
    expect(summary.by_channel.map((g: { key: string | null }) => g.key)).toEqual(['C0CARDS', 'C0OPS', null]);

    const narrow = await cli(['stats', '--since', '90m', '--json'], env, new ManualClock(now));
    expect(JSON.parse(narrow.stdout).totals).toEqual({ answered: 0, expired: 1, cancelled: 1, pending: 1 });
  });

  it('an empty window says so in one line', async () => {
    const env = { RODIZIO_DB: await testDbLocation(), LOG_LEVEL: 'silent' };
    const out = await cli(['stats', '--since', '24h'], env, new ManualClock(T0));
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      'Tokens closed in the last 24h (since 2026-03-01 09:00 UTC): 0 answered, 0 expired, 0 cancelled; 0 pending now\n',
    );
  });

  it('a bad --since is a usage error (exit 2) that names the option, before the database is opened', async () => {
    for (const since of ['7', 'seven days', '0d', '-1d', '']) {
      const out = await cli(['stats', `--since=${since}`], { RODIZIO_DB: '/nonexistent/dir/rodizio.db' });
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toBe(
        `rodizio stats: --since takes a duration such as 24h, 7d or 4w (got "${since}")\nUsage: rodizio stats [--since 7d] [--json]\n`,
      );
    }
    const unknown = await cli(['stats', '--weeks', '2'], { RODIZIO_DB: '/nonexistent/dir/rodizio.db' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^rodizio stats: Unknown option '--weeks'/);
  });
});
