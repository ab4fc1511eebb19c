import { connect } from 'node:net';
import { expect } from 'vitest';

export { rowCounts } from './store.js';

/** The server is still up and answering: `/healthz` is a 200. */
export async function expectStillServing(url: string): Promise<void> {
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe('ok');
}

/** JSON text nesting `depth` arrays (or objects) around `leaf`. */
export function nested(depth: number, kind: 'array' | 'object' = 'array', leaf = '1'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** Sends raw bytes over a plain socket (for request lines fetch will not send); resolves with the status line. */
export function rawRequest(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

/**
 * POSTs `body` with Node's fetch `tries` times; counts the statuses read and the connection errors (a server that
 * answers and closes while the client is still sending gives EPIPE/ECONNRESET instead of the answer).
 */
export async function postRepeatedly(
  url: string,
  body: string,
  headers: Record<string, string>,
  tries: number,
): Promise<{ statuses: number[]; errors: string[]; bodies: unknown[] }> {
  const statuses: number[] = [];
  const errors: string[] = [];
  const bodies: unknown[] = [];
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url, { method: 'POST', headers, body });
      statuses.push(res.status);
      const text = await res.text();
      bodies.push(text ? JSON.parse(text) : undefined);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      errors.push(cause?.code ?? String(err));
    }
  }
  return { statuses, errors, bodies };
}
