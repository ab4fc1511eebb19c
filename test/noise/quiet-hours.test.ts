import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { cli } from '../helpers/cli.js';
import { type FollowupBridge, HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS, ONCALL } from '../helpers/slack.js';
import { tempDir } from '../helpers/temp.js';

const sec = (ms: number) => Math.floor(ms / 1000);
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

/** Lisbon nights and weekends; Lisbon is on UTC (WET) until 29 March 2026, so T0 (Monday 2 March 09:00 UTC) is 09:00 there. */
const LISBON = { tz: 'Europe/Lisbon', from: '20:00', to: '08:00', days: ['sat', 'sun'] };

async function sweepAt(t: FollowupBridge, ms: number): Promise<void> {
  t.clock.set(ms);
  await t.bridge.scheduler.runAll();
  await t.drain();
}

describe('quiet hours', () => {
  it('hold reminders and escalations until the end and say so on the card; critical tokens are reminded anyway', async () => {
    const t = await startFollowupBridge({ file: { projects: { web: { quiet_hours: LISBON } } } });
    const plain = await t.createAndPost({ reason: 'approval_needed', prompt: 'Plain?', project: 'web' });
    const critical = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Critical?',
      project: 'web',
      severity: 'critical',
    });
    // Due at 22:00 Lisbon, inside the quiet hours: one escalates, one expires.
    const escalates = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Escalates?',
      project: 'web',
      deadline: new Date(T0 + 13 * HOUR).toISOString(),
    });
    const expires = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Expires?',
      project: 'web',
      deadline: new Date(T0 + 13 * HOUR).toISOString(),
      expiry_policy: 'expire',
    });
    const reminders = (ts: string) => t.fake.thread(CARDS, ts).filter((m) => m.text?.startsWith('⏰'));
    const cardText = async (id: string) => JSON.stringify((await t.card(id))?.blocks);
    const end = T0 + 23 * HOUR; // Tuesday 08:00 Lisbon

    // 15:00: outside quiet hours, everyone is reminded.
    await t.at(6 * HOUR);
    expect(reminders(plain.card.ts)).toHaveLength(1);

    // 21:00: the next reminders fall inside. The critical token's goes; the others wait, and their cards say until when.
    await t.at(12 * HOUR);
    expect(reminders(plain.card.ts)).toHaveLength(1);
    expect(reminders(critical.card.ts)).toHaveLength(2);
    expect(await cardText(plain.id)).toContain(
      `🌙 Quiet hours: reminders resume at <!date^${sec(end)}^{time}|2026-03-03 08:00 UTC> (08:00 Europe/Lisbon)`,
    );
    expect(await cardText(critical.id)).not.toContain('🌙');
    expect((await t.bridge.purgatory.get(plain.id)).followup).toMatchObject({
      quiet_until: iso(end),
      quiet_hold: 'reminder',
    });

    // 22:00: the deadlines pass. The escalation waits; the expiry does not (it is the deadline, not a notification).
    await t.at(13 * HOUR);
    expect((await t.bridge.purgatory.get(escalates.id)).followup.escalated_at).toBeNull();
    expect(t.fake.messages(ONCALL)).toHaveLength(0);
    expect(await cardText(escalates.id)).toContain(
      `🌙 Quiet hours: the escalation and reminders wait until <!date^${sec(end)}^{time}|2026-03-03 08:00 UTC> (08:00 Europe/Lisbon)`,
    );
    expect((await t.bridge.purgatory.get(expires.id)).status).toBe('expired');

    // Later sweeps in the night do nothing more (one hold per token and spell).
    await t.at(20 * HOUR);
    await t.at(23 * HOUR - 60_000);
    expect(reminders(plain.card.ts)).toHaveLength(1);
    expect(t.fake.messages(ONCALL)).toHaveLength(0);

    // 08:00: what waited goes, and the cards drop the line.
    await t.at(23 * HOUR);
    expect(reminders(plain.card.ts)).toHaveLength(2);
    expect(reminders(escalates.card.ts)).toHaveLength(2);
    expect((await t.bridge.purgatory.get(escalates.id)).followup.escalated_at).toBe(iso(end));
    expect(t.fake.messages(ONCALL)).toHaveLength(1);
    expect(await cardText(plain.id)).not.toContain('🌙');
    expect(await cardText(escalates.id)).not.toContain('🌙');
    expect((await t.bridge.purgatory.get(plain.id)).followup).toMatchObject({ quiet_until: null, quiet_hold: null });

    expect((await t.bridge.purgatory.history(plain.id)).map((e) => e.type)).toEqual([
      'ejected',
      'reminded',
      'quiet_held',
      'reminded',
    ]);
    expect((await t.bridge.purgatory.history(escalates.id)).map((e) => [e.type, e.data.what])).toEqual([
      ['ejected', undefined],
      ['reminded', undefined],
      ['quiet_held', 'reminder'],
      ['quiet_held', 'escalation'],
      ['escalated', undefined],
      ['reminded', undefined],
    ]);
    expect((await t.bridge.purgatory.history(critical.id)).map((e) => e.type)).not.toContain('quiet_held');
  });

  it('end at 08:00 on the wall clock across the spring DST change (07:00 UTC, not 08:00)', async () => {
    // Saturday 28 March 2026, 12:00 in Lisbon (WET = UTC); on Sunday at 01:00 the clocks go to 02:00 WEST.
    const start = Date.UTC(2026, 2, 28, 12, 0);
    const t = await startFollowupBridge({
      clock: new ManualClock(start),
      file: { projects: { web: { quiet_hours: LISBON } } },
    });
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Weekend?', project: 'web' });
    const reminders = () => t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏰'));
    const monday8 = Date.UTC(2026, 2, 30, 7, 0);

    await sweepAt(t, start + 6 * HOUR);
    expect(reminders()).toHaveLength(0);
    expect((await t.bridge.purgatory.get(id)).followup.quiet_until).toBe(iso(monday8));
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain(
      `reminders resume at <!date^${sec(monday8)}^{date_short_pretty} {time}|2026-03-30 07:00 UTC> (08:00 Europe/Lisbon)`,
    );
    await sweepAt(t, monday8 - 60_000);
    expect(reminders()).toHaveLength(0);
    await sweepAt(t, monday8);
    expect(reminders()).toHaveLength(1);
  });

  it('a bad quiet_hours setting refuses start-up, naming the key', async () => {
    const dir = tempDir();
    const cases: [unknown, RegExp][] = [
      [
        { tz: 'Mars/Olympus', from: '20:00', to: '08:00' },
        /projects\.web\.quiet_hours\.tz: "Mars\/Olympus" is not an IANA/,
      ],
      [{ tz: 'UTC', from: '8pm', to: '08:00' }, /projects\.web\.quiet_hours\.from: must be a time of day as HH:MM/],
      [{ tz: 'UTC', from: '20:00' }, /projects\.web\.quiet_hours\.to: give both from and to/],
      [{ tz: 'UTC', days: ['weekend'] }, /projects\.web\.quiet_hours\.days\.0: must be one of sun, mon/],
    ];
    for (const [i, [quiet, message]] of cases.entries()) {
      const path = join(dir, `rodizio-${i}.json`);
      writeFileSync(path, JSON.stringify({ projects: { web: { quiet_hours: quiet } } }));
      const out = await cli(['serve'], { RODIZIO_DB: join(dir, `db-${i}.sqlite`), RODIZIO_CONFIG: path, PORT: '0' });
      expect(out.code, JSON.stringify(quiet)).toBe(1);
      expect(out.stderr).toMatch(message);
    }
  });
});
