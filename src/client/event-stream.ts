import type { FeedEvent } from '../events/event.js';

export type { FeedEvent };

/** One server-sent-events frame. */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/**
 * Parses a text/event-stream body into frames (the WHATWG rules: `field: value` lines, `:` comments, a blank line
 * dispatches; several `data:` lines join with newlines). A frame with an `id` and no data is still yielded, so
 * the caller can track the cursor the server set.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  let hasField = false;
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl = buffer.search(/\r\n|\r|\n/);
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (hasField && (data.length > 0 || id !== undefined)) {
            yield { id, event: event || 'message', data: data.join('\n') };
          }
          id = undefined;
          event = '';
          data = [];
          hasField = false;
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          hasField = true;
          if (field === 'id') id = value;
          else if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        nl = buffer.search(/\r\n|\r|\n/);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
