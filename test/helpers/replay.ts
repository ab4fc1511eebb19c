import { vi } from 'vitest';

/** A request body the driver sent to the bot, kept to send again byte for byte (a replay or a retry). */
export interface SentRequest {
  body: string;
  contentType: string;
}

/**
 * Records the bodies of requests sent to `…/slack/events` (what the Slack driver sends), passing every request
 * through unchanged; `last()` is the most recent one.
 */
export function recordSlackRequests(): { sent: SentRequest[]; last(): SentRequest } {
  const sent: SentRequest[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith('/slack/events') && typeof init?.body === 'string') {
      const headers = new Headers(init.headers);
      sent.push({ body: init.body, contentType: headers.get('content-type') ?? '' });
    }
    return realFetch(input, init);
  });
  return {
    sent,
    last() {
      const request = sent.at(-1);
      if (!request) throw new Error('no request to /slack/events was sent');
      return request;
    },
  };
}
