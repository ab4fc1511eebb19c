import type { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../src/clock.js';
import { createIntake, intakeKind } from '../../src/slack/intake.js';
import type { IntakeStore } from '../../src/store/intake.js';
import { openTestStore } from '../helpers/engine.js';

const Probe = intakeKind('probe', z.object({ n: z.number() }));

/** An intake over a real store whose `begin` calls are counted, with one kind whose processor notes its attempts. */
async function setup() {
  const store = await openTestStore();
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  let begins = 0;
  const counted: IntakeStore = {
    ...store.intake,
    begin: (id) => {
      begins++;
      return store.intake.begin(id);
    },
  };
  const intake = createIntake({
    store: counted,
    // The processor below never calls Slack.
    client: {} as unknown as WebClient,
    clock,
    logger: pino({ level: 'silent' }),
    botUserId: 'UBOT',
  });
  const attempts: number[] = [];
  intake.register(Probe, async (_payload, ctx) => {
    attempts.push(ctx.attempt);
    return 'done';
  });
  await intake.start();
  return { store, clock, intake, attempts, begins: () => begins };
}

describe('Slack intake: the first attempt', () => {
  it('is counted as the request is recorded, when the recorder takes it up at once: no statement of its own', async () => {
    const { store, intake, attempts, begins } = await setup();
    const { id, fresh } = await intake.record(Probe, 'probe:1', { n: 1 });
    expect(fresh).toBe(true);
    expect(await store.intake.get(id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await intake.process(id)).toBe('done');
    expect(attempts).toEqual([1]);
    expect(begins()).toBe(0);
    expect(await store.intake.get(id)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('is counted again when taken up late (behind the start-up drain), and a row finished meanwhile is left', async () => {
    const { store, clock, intake, attempts, begins } = await setup();
    const late = await intake.record(Probe, 'probe:late', { n: 2 });
    const gone = await intake.record(Probe, 'probe:gone', { n: 3 });
    // Another process (the leader's sweep) finished this one while this process was held up.
    await store.intake.finish(gone.id, clock.now());
    clock.advance(6000);
    expect(await intake.process(late.id)).toBe('done');
    expect(await intake.process(gone.id)).toBe('skipped');
    // The late one may have been started elsewhere: its processor is told so (attempt 2) and checks.
    expect(attempts).toEqual([2]);
    expect(begins()).toBe(2);
  });
});
