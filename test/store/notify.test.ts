import { describe, expect, it } from 'vitest';
import { parsePayload, signalPayload } from '../../src/store/postgres/notify.js';
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

  it('read an older build’s outbox payload as a plain wake, and anything malformed as unknown', () => {
    expect(parsePayload('{"kind":"outbox","origin":"old"}', 'me')).toEqual({ kind: 'outbox' });
    // Fields of the wrong type are dropped, so such a payload still wakes the worker.
    expect(parsePayload('{"kind":"outbox","gate":7,"behind":"yes","origin":"x"}', 'me')).toEqual({ kind: 'outbox' });
    for (const bad of ['', 'null', '42', '{"kind":"nope"}', '{not json']) {
      expect(parsePayload(bad, 'me')).toEqual({ kind: 'unknown' });
    }
  });
});
