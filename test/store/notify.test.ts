import { describe, expect, it } from 'vitest';
import type { Reentry } from '../../src/domain/token.js';
import { MAX_REENTRY_PAYLOAD, parsePayload, signalPayload } from '../../src/store/postgres/notify.js';
import type { Signal } from '../../src/store/store.js';

describe('Postgres NOTIFY payloads', () => {
  it('carry what a commit enqueued to the other replicas: the gate, and whether the jobs queued behind others', () => {
    const signals: Signal[] = [
      { kind: 'outbox' },
      { kind: 'outbox', gate: 'slack.update' },
      { kind: 'outbox', gate: 'webhook:https://agent.example', behind: true },
      { kind: 'outbox', behind: true },
      { kind: 'settled', tokenId: 'sem-1' },
      { kind: 'event' },
    ];
    for (const s of signals) expect(parsePayload(signalPayload(s, 'replica-b'), 'replica-a')).toEqual(s);
    // A store ignores its own commits.
    expect(parsePayload(signalPayload({ kind: 'outbox', gate: 'g' }, 'replica-a'), 'replica-a')).toBeUndefined();
  });

  it('carry a settled token’s reentry when it fits in a NOTIFY, and a bare wake when it does not or does not parse', () => {
    const reentry: Reentry = {
      token_id: 'sem-1',
      frozen_state: 'c3RhdGU=',
      human_input: 'yes',
      original_event: 'deploy',
      outcome: 'resolved',
      answered_by: 'U1',
      answered_by_name: 'Alice',
      answered_at: '2026-03-01T10:00:00.000Z',
      via: 'button',
      notes: [{ by: 'U2', by_name: null, text: 'ship it', at: '2026-03-01T09:59:00.000Z' }],
    };
    const settled: Signal = { kind: 'settled', tokenId: 'sem-1', reentry };
    expect(parsePayload(signalPayload(settled, 'b'), 'a')).toEqual(settled);
    const big = { ...reentry, frozen_state: 'x'.repeat(MAX_REENTRY_PAYLOAD) };
    const payload = signalPayload({ kind: 'settled', tokenId: 'sem-1', reentry: big }, 'b');
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(parsePayload(payload, 'a')).toEqual({ kind: 'settled', tokenId: 'sem-1' });
    // Another token's reentry, or one missing its fields, is dropped: the wake reads the token instead.
    for (const wrong of [{ ...reentry, token_id: 'sem-2' }, { token_id: 'sem-1' }, 'yes']) {
      const text = JSON.stringify({ kind: 'settled', tokenId: 'sem-1', origin: 'b', reentry: wrong });
      expect(parsePayload(text, 'a')).toEqual({ kind: 'settled', tokenId: 'sem-1' });
    }
  });

  it('read an older build’s outbox payload as a plain wake, and anything malformed as unknown', () => {
    expect(parsePayload('{"kind":"outbox","origin":"old"}', 'me')).toEqual({ kind: 'outbox' });
    // Fields of the wrong type are dropped, so such a payload still wakes the worker.
    expect(parsePayload('{"kind":"outbox","gate":7,"behind":"yes","origin":"x"}', 'me')).toEqual({ kind: 'outbox' });
    for (const bad of ['', 'null', '42', '{"kind":"nope"}', '{not json']) {
      expect(parsePayload(bad, 'me')).toEqual({ kind: 'unknown' });
    }
  });
});
