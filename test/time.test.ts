import { describe, expect, it } from 'vitest';
import { formatDuration, formatIsoTime, parseDuration, parseIsoTime } from '../src/time.js';

describe('parseIsoTime', () => {
  it('reads offset-less Python times as UTC, with or without microseconds', () => {
    expect(parseIsoTime('2025-01-01T12:00:00')).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseIsoTime('2025-01-01T12:00:00.654321')).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 654));
    expect(parseIsoTime('2025-01-01 12:00')).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseIsoTime('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
  });

  it('honours offsets', () => {
    expect(parseIsoTime('2025-01-01T12:00:00Z')).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseIsoTime('2025-01-01T12:00:00+02:00')).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseIsoTime('2025-01-01T12:00:00-0530')).toBe(Date.UTC(2025, 0, 1, 17, 30));
  });

  it('rejects what is not a time', () => {
    for (const s of ['tomorrow', '2025-02-30T00:00:00', '2025-13-01', '2025-01-01T25:00:00', '1735732800', '']) {
      expect(parseIsoTime(s), s).toBeUndefined();
    }
  });

  it('formats with an explicit +00:00 offset that Python 3.7+ fromisoformat reads', () => {
    expect(formatIsoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006+00:00');
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('6 hours')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(formatDuration(26 * 3_600_000 + 60_000)).toBe('1d 2h');
    expect(formatDuration(45_000)).toBe('45s');
  });
});
