import { describe, expect, it } from 'vitest';
import { TEST_ENGINE } from '../helpers/engine.js';
import { startEventBridge } from './helpers.js';

/**
 * Each replica keeps the subscription list in memory; a subscription added or removed through one must reach the
 * planning of the others (a NOTIFY). Replicas need Postgres: on SQLite one process serves a database file.
 */
describe.runIf(TEST_ENGINE === 'postgres')('subscriptions shared between replicas on one database', () => {
  it('a token created on B is delivered to a subscription made on A, and no longer after A deletes it', async () => {
    const a = await startEventBridge();
    const b = await startEventBridge({ config: { dbPath: a.bridge.store.location } });
    const deliveries = async () =>
      (await b.bridge.purgatory.store.outbox.list({ kind: 'deliver.event', limit: 100 })).length;

    // B plans an event first, so its list is loaded (empty) before the subscription exists.
    expect((await b.call('POST', '/v1/tokens', { body: { id: 'before', reason: 'approval_needed' } })).status).toBe(
      201,
    );
    expect(await deliveries()).toBe(0);

    const sub = await a.call('POST', '/v1/subscriptions', {
      body: { url: 'http://127.0.0.1:9/rodizio', types: ['ejected'] },
    });
    expect(sub.status).toBe(201);

    let n = 0;
    await expect
      .poll(
        async () => {
          await b.call('POST', '/v1/tokens', { body: { id: `after-${n++}`, reason: 'approval_needed' } });
          return deliveries();
        },
        { timeout: 5000, interval: 100 },
      )
      .toBeGreaterThan(0);

    expect((await a.call('DELETE', `/v1/subscriptions/${sub.json.id}`)).status).toBe(204);
    const planned = await deliveries();
    await expect
      .poll(
        async () => {
          const before = await deliveries();
          await b.call('POST', '/v1/tokens', { body: { id: `gone-${n++}`, reason: 'approval_needed' } });
          return (await deliveries()) - before;
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(0);
    expect(await deliveries()).toBeGreaterThanOrEqual(planned);
  });
});
