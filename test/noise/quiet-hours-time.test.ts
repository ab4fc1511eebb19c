import { describe, expect, it } from 'vitest';
import { QuietHours, quietUntil, tomorrowAt, wallClockText } from '../../src/followups/quiet-hours.js';

const at = (text: string) => Date.parse(text);
const end = (q: QuietHours, now: string) => {
  const ms = quietUntil(q, at(now));
  return ms === null ? null : new Date(ms).toISOString();
};

describe('quiet hours: when a quiet spell ends', () => {
  const lisbon = QuietHours.parse({ tz: 'Europe/Lisbon', from: '20:00', to: '08:00', days: ['sat', 'sun'] });

  it('a night window crossing midnight, and the moments just outside it', () => {
    // Lisbon is on UTC (WET) in early March.
    expect(end(lisbon, '2026-03-02T19:59:59Z')).toBeNull();
    expect(end(lisbon, '2026-03-02T20:00:00Z')).toBe('2026-03-03T08:00:00.000Z');
    expect(end(lisbon, '2026-03-03T03:00:00Z')).toBe('2026-03-03T08:00:00.000Z');
    expect(end(lisbon, '2026-03-03T08:00:00Z')).toBeNull();
  });

  it('Friday night runs through the quiet weekend into Monday morning as one spell', () => {
    expect(end(lisbon, '2026-03-06T21:00:00Z')).toBe('2026-03-09T08:00:00.000Z');
    expect(end(lisbon, '2026-03-07T12:00:00Z')).toBe('2026-03-09T08:00:00.000Z');
  });

  it('follows DST: Monday 08:00 after the spring change is 07:00 UTC', () => {
    // Clocks go 01:00 WET → 02:00 WEST on Sunday 29 March 2026.
    expect(end(lisbon, '2026-03-28T12:00:00Z')).toBe('2026-03-30T07:00:00.000Z');
    expect(wallClockText('Europe/Lisbon', at('2026-03-30T07:00:00Z'))).toBe('08:00');
  });

  it('a window ending in the hour that happens twice (New York, 1 November 2026) ends at the right pass', () => {
    const ny = QuietHours.parse({ tz: 'America/New_York', from: '20:00', to: '01:30' });
    // 01:10 EDT (first pass): the first 01:30 ends it.
    expect(end(ny, '2026-11-01T05:10:00Z')).toBe('2026-11-01T05:30:00.000Z');
    // 01:10 EST (second pass, after the clocks went back): the second 01:30.
    expect(end(ny, '2026-11-01T06:10:00Z')).toBe('2026-11-01T06:30:00.000Z');
  });

  it('a window ending in the hour that never happens ends just after the gap', () => {
    const ny = QuietHours.parse({ tz: 'America/New_York', from: '23:00', to: '02:30' });
    // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:30 never shows, 03:30 EDT does.
    expect(end(ny, '2026-03-08T06:00:00Z')).toBe('2026-03-08T07:30:00.000Z');
  });

  it('days alone, and a window that does not cross midnight', () => {
    const weekend = QuietHours.parse({ tz: 'UTC', days: ['sat', 'sun'] });
    expect(end(weekend, '2026-03-06T23:59:00Z')).toBeNull();
    expect(end(weekend, '2026-03-07T00:00:00Z')).toBe('2026-03-09T00:00:00.000Z');
    const lunch = QuietHours.parse({ tz: 'Asia/Kolkata', from: '12:00', to: '13:30' });
    expect(end(lunch, '2026-03-02T07:00:00Z')).toBe('2026-03-02T08:00:00.000Z');
  });
});

describe('"tomorrow 9:00"', () => {
  it('is 9:00 on the next calendar day in the zone, DST included', () => {
    expect(new Date(tomorrowAt('America/New_York', at('2026-03-02T10:00:00Z'), '09:00')).toISOString()).toBe(
      '2026-03-03T14:00:00.000Z',
    );
    // Saturday 7 March in New York (EST) → Sunday 8 March 09:00, already EDT.
    expect(new Date(tomorrowAt('America/New_York', at('2026-03-07T15:00:00Z'), '09:00')).toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
  });
});

describe('the quiet_hours setting', () => {
  const issues = (input: unknown) => {
    const parsed = QuietHours.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses what it cannot read, naming the key', () => {
    expect(issues({ tz: 'Mars/Olympus', from: '20:00', to: '08:00' })).toEqual([
      'tz: "Mars/Olympus" is not an IANA time zone such as Europe/Lisbon',
    ]);
    expect(issues({ tz: 'UTC', from: '24:00', to: '08:00' })).toEqual([
      'from: must be a time of day as HH:MM, 00:00 to 23:59',
    ]);
    expect(issues({ tz: 'UTC', from: '20:00' })).toEqual(['to: give both from and to']);
    expect(issues({ tz: 'UTC', from: '08:00', to: '08:00' })).toEqual([
      'to: must differ from "from" (use days for whole days)',
    ]);
    expect(issues({ tz: 'UTC' })).toEqual([': give from and to, or days, or both']);
    expect(issues({ tz: 'UTC', days: ['saturday'] })[0]).toMatch(/^days\.0: must be one of sun, mon/);
    expect(issues({ tz: 'UTC', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] })).toEqual([
      'days: every day quiet would hold reminders forever',
    ]);
    expect(issues({ tz: 'UTC', days: ['sun'], form: '20:00' })[0]).toMatch(/Unrecognized key: "form"/);
  });
});
