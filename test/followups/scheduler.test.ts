import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createScheduler } from '../../src/followups/scheduler.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { captureLogger } from '../helpers/logs.js';
import { CARDS } from '../helpers/slack.js';
import { tempDbPath } from '../helpers/temp.js';

const schedules = {
  deadlines: '* * * * *',
  renotify: '* * * * *',
  blocked: '* * * * *',
  gc: '* * * * *',
  refs: '* * * * *',
};

describe('scheduler', () => {
  it('a sweep that throws is logged and does not stop the others', async () => {
    const { logger, lines } = captureLogger();
    const ran: string[] = [];
    const scheduler = createScheduler({
      logger,
      schedules,
      sweeps: {
        deadlines: () => {
          ran.push('deadlines');
          return { escalated: 1 };
        },
        renotify: () => {
          throw new Error('database is locked');
        },
        blocked: () => {
          ran.push('blocked');
          return { labelled: 0 };
        },
        gc: () => {
          ran.push('gc');
          return { deleted: 0 };
        },
        refs: () => ({ moved: 0 }),
      },
    });
    const results = await scheduler.runAll();
    expect(ran).toEqual(['deadlines', 'blocked', 'gc']);
    expect(results.renotify).toBeUndefined();
    expect(results.deadlines).toEqual({ escalated: 1 });
    expect(lines.find((l) => l.msg === 'sweep renotify failed')).toMatchObject({
      level: 'error',
      sweep: 'renotify',
      err: { message: 'database is locked' },
    });
    expect(lines.find((l) => l.msg === 'sweep deadlines')).toMatchObject({ level: 'info', escalated: 1 });
  });

  it('node-cron triggers the sweeps on their schedule', async () => {
    const { logger } = captureLogger();
    let resolveTick: (name: string) => void = () => {};
    const ticked = new Promise<string>((resolve) => {
      resolveTick = resolve;
    });
    let runs = 0;
    const scheduler = createScheduler({
      logger,
      schedules: { ...schedules, gc: '* * * * * *' }, // every second (seconds field first)
      sweeps: {
        deadlines: () => ({}),
        renotify: () => ({}),
        blocked: () => ({}),
        gc: () => {
          runs++;
          if (runs > 1) resolveTick('gc'); // the first run is start()'s catch-up
          return {};
        },
        refs: () => ({}),
      },
    });
    await scheduler.start();
    expect(runs).toBe(1);
    await expect(ticked).resolves.toBe('gc');
    await scheduler.stop();
  });

  it('starting the bridge catches up at once: one reminder after downtime, not one per missed interval', async () => {
    const dbPath = await testDbLocation();
    const first = await startFollowupBridge({ dbPath });
    const { card } = await first.createAndPost({ reason: 'approval_needed', prompt: 'Anyone?' });
    await first.bridge.stop();
    const second = await startFollowupBridge({
      dbPath,
      fake: first.fake,
      clock: new ManualClock(T0 + 20 * HOUR),
      schedule: true,
    });
    await second.drain();
    const reminders = first.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    expect(reminders.map((m) => m.text)).toEqual(['⏰ Still waiting for an answer after 20h. Anyone here may answer.']);
  });
});

describe('GC and export', () => {
  it('the GC sweep deletes closed tokens past GC_RETENTION; export writes the audit log as JSON lines first', async () => {
    const t = await startFollowupBridge({ env: { GC_RETENTION: '7d' } });
    const old = await t.createAndPost({ reason: 'approval_needed', prompt: 'old', options: ['ok'] });
    const open = await t.createAndPost({ reason: 'approval_needed', prompt: 'still open' });
    await t.driver.clickButton({ channel: CARDS, ts: old.card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.settle();
    const env = { RODIZIO_DB: t.bridge.store.location };
    const exported = (await cli(['export'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(exported.map((e) => [e.token_id, e.type])).toEqual([
      [old.id, 'ejected'],
      [open.id, 'ejected'],
      [old.id, 'resolved'],
    ]);
    expect(exported[2]).toMatchObject({
      actor: 'U0ALICE',
      data: { via: 'button', human_input: 'ok' },
      at: '2026-03-02T09:00:00.000+00:00',
    });

    await t.at(6 * 24 * HOUR);
    expect(await t.bridge.purgatory.find(old.id)).toBeDefined();
    await t.at(7 * 24 * HOUR + 1);
    expect(await t.bridge.purgatory.find(old.id)).toBeUndefined();
    expect((await t.bridge.purgatory.get(open.id)).status).toBe('pending');

    const since = await cli(['export', '--since', '2026-03-09T00:00:00'], env);
    const lines = since.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.type)).toContain('gc');
    expect(lines.find((e) => e.type === 'gc')?.data).toMatchObject({ deleted: 1 });
  });

  it('export refuses a bad --since and an existing --out file, changing nothing', async () => {
    const env = { RODIZIO_DB: tempDbPath() };
    await cli(['migrate'], env);
    expect((await cli(['export', '--since', 'last week'], env)).code).toBe(2);
    const out = `${env.RODIZIO_DB}.jsonl`;
    expect((await cli(['export', '--out', out], env)).stderr).toBe(`wrote 0 events to ${out}\n`);
    const again = await cli(['export', '--out', out], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`rodizio export: cannot create ${out}: EEXIST (it is never overwritten)\n`);
  });
});
