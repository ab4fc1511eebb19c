import { describe, expect, it } from 'vitest';
import { decodeSnoozeValue, encodeSnoozeValue, snoozeMenu } from '../../blocks/snooze.js';

describe('the Snooze menu', () => {
  it('stays within Slack limits for the longest token id, and its values read back', () => {
    const id = `sem-${'a'.repeat(124)}`;
    const menu = snoozeMenu(id, true);
    expect(menu.options?.map((o) => o.text.text)).toEqual(['Snooze 1 h', 'Until tomorrow 9:00', 'Resume reminders']);
    for (const option of menu.options ?? []) {
      // Slack: a select option's value is at most 150 characters, its text at most 75.
      expect(option.value?.length).toBeLessThanOrEqual(150);
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect(decodeSnoozeValue(option.value ?? '')?.tokenId).toBe(id);
    }
    expect(snoozeMenu(id, false).options?.map((o) => o.value)).toEqual([
      encodeSnoozeValue(id, '1h'),
      encodeSnoozeValue(id, 'tomorrow'),
    ]);
  });

  it('reads nothing it did not offer', () => {
    for (const value of ['', '1h', '|1h', 'sem-1|', 'sem-1|2h', 'sem-1|1H', `${'x'.repeat(129)}|1h`]) {
      expect(decodeSnoozeValue(value), value).toBeUndefined();
    }
    expect(decodeSnoozeValue('sem-1|tomorrow')).toEqual({ tokenId: 'sem-1', choice: 'tomorrow' });
  });
});
