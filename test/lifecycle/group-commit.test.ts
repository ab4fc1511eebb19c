import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors.js';
import { startTestBridge } from '../helpers/bridge.js';
import { cli } from '../helpers/cli.js';
import { testDbLocation } from '../helpers/engine.js';

const CI = { runner: 'ci', admin: false };
const token = (id: string | undefined, prompt = `Deploy ${id}?`) => ({
  ...(id === undefined ? {} : { id }),
  reason: 'approval_needed',
  prompt,
  options: ['yes', 'no'],
});

/**
 * Creates queued in one event-loop turn share one group-commit transaction, whose new rows and `ejected` events go
 * in as one statement each (src/lifecycle/create.ts). Every kind of request a batch can hold must come out as it
 * would alone: new, replayed, conflicting, repeated inside the batch, without an id, or refused.
 */
describe('a group-commit batch', () => {
  it('answers each create as if it came alone, and leaves one verifiable audit chain', async () => {
    const dbPath = await testDbLocation({ migrated: true });
    const t = await startTestBridge({ config: { dbPath } });
    const { purgatory } = t.bridge;
    await purgatory.createQueued(token('gc-stored'), CI);
    // A subscriber to `ejected` events: each new token of the batch must plan it a delivery, as a lone create does.
    const subscribed = await t.call('POST', '/v1/subscriptions', {
      body: { url: 'http://127.0.0.1:9/events', types: ['ejected'] },
    });
    expect(subscribed.status).toBe(201);

    const settled = await Promise.allSettled([
      purgatory.createQueued(token('gc-1'), CI),
      purgatory.createQueued(token('gc-stored'), CI), // a replay of a stored token
      purgatory.createQueued(token('gc-stored', 'Something else?'), CI), // a conflict with it
      purgatory.createQueued(token('gc-twice'), CI),
      purgatory.createQueued(token('gc-twice'), CI), // the same request twice in the batch
      purgatory.createQueued(token('gc-clash', 'first'), CI),
      purgatory.createQueued(token('gc-clash', 'second'), CI), // the same id, other content, in the batch
      purgatory.createQueued(token(undefined), CI), // no id: rodizio makes one
      purgatory.createQueued({ ...token('gc-late'), deadline: 'next tuesday' }, CI), // refused before the queue
      purgatory.createQueued(token('gc-2'), CI),
    ]);
    const outcome = settled.map((s) =>
      s.status === 'fulfilled'
        ? { id: s.value.token.id, created: s.value.created, prompt: s.value.token.prompt }
        : { error: (s.reason as Error).name },
    );
    expect(outcome).toEqual([
      { id: 'gc-1', created: true, prompt: 'Deploy gc-1?' },
      { id: 'gc-stored', created: false, prompt: 'Deploy gc-stored?' },
      { error: ConflictError.name },
      { id: 'gc-twice', created: true, prompt: 'Deploy gc-twice?' },
      { id: 'gc-twice', created: false, prompt: 'Deploy gc-twice?' },
      { id: 'gc-clash', created: true, prompt: 'first' },
      { error: ConflictError.name },
      { id: expect.any(String), created: true, prompt: 'Deploy undefined?' },
      { error: 'ValidationError' },
      { id: 'gc-2', created: true, prompt: 'Deploy gc-2?' },
    ]);

    // What an agent reads back: each new token once, pending, with one `ejected` event.
    const listed = await t.call('GET', '/v1/tokens?limit=50');
    expect(listed.status).toBe(200);
    const ids = (listed.json.tokens as { id: string; status: string }[]).map((x) => x.id).sort();
    const generated = (outcome[7] as { id: string }).id;
    expect(ids).toEqual(['gc-1', 'gc-2', 'gc-clash', 'gc-stored', 'gc-twice', generated].sort());
    for (const id of ids) {
      const audit = await purgatory.store.events.forToken(id);
      expect(
        audit.map((e) => e.type),
        id,
      ).toEqual(['ejected']);
    }
    const deliveries = await purgatory.store.outbox.list({ kind: 'deliver.event', limit: 50 });
    expect(deliveries.map((j) => j.token_id).sort()).toEqual(ids.filter((id) => id !== 'gc-stored'));
    const events = await purgatory.store.events.chain(0, 100);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));

    // The batch's events were linked in JS and inserted together: the chain must verify as if appended one by one.
    const verify = await cli(['audit', 'verify', '--json'], { RODIZIO_DB: dbPath, LOG_LEVEL: 'silent' });
    expect(verify.stderr).toBe('');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, events: 6, tokens: 6, first_broken: null });
    expect(verify.code).toBe(0);
  });
});
