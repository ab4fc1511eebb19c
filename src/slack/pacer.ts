import type { Clock } from '../clock.js';
import { RetryLater } from '../outbox/job-errors.js';

/**
 * Paces chat.postMessage per channel (Slack allows about one message a second per channel) and remembers
 * Retry-After pauses. `take` either grants the channel now or throws RetryLater for the wait.
 */
export function createChannelPacer(clock: Clock, intervalMs: number) {
  const nextAt = new Map<string, number>();
  return {
    take(channel: string): void {
      const now = clock.now();
      const next = nextAt.get(channel) ?? 0;
      if (now < next) throw new RetryLater(next - now, `pacing posts to ${channel}`);
      nextAt.set(channel, now + intervalMs);
    },
    /** After a 429: nothing goes to this channel for `ms`. */
    pause(channel: string, ms: number): void {
      nextAt.set(channel, Math.max(nextAt.get(channel) ?? 0, clock.now() + ms));
    },
  };
}

export type ChannelPacer = ReturnType<typeof createChannelPacer>;
