import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type Harness } from '../store/engines/harness.js';

describe.each(engines)('identity links on $engine', ({ setup }) => {
  let h: Harness;
  let s: Store;
  beforeEach(async () => {
    h = await setup();
    s = h.store;
  });
  afterEach(() => h.cleanup());

  it('keeps one link and one challenge per Slack user, replacing them, and forgets them', async () => {
    expect(await s.identities.link('U1')).toBeUndefined();
    await s.identities.putChallenge({ slack_user: 'U1', login: 'a', code: 'rodizio-1', created_ms: 1, expires_ms: 2 });
    await s.identities.putChallenge({ slack_user: 'U1', login: 'b', code: 'rodizio-2', created_ms: 3, expires_ms: 4 });
    expect(await s.identities.challenge('U1')).toEqual({
      slack_user: 'U1',
      login: 'b',
      code: 'rodizio-2',
      created_ms: 3,
      expires_ms: 4,
    });
    await s.identities.putLink({ slack_user: 'U1', login: 'octocat', linked_ms: 5 });
    await s.identities.putLink({ slack_user: 'U1', login: 'hubot', linked_ms: 9_000_000_000_000 });
    expect(await s.identities.link('U1')).toEqual({ slack_user: 'U1', login: 'hubot', linked_ms: 9_000_000_000_000 });
    // Inside a transaction too (the bridge may link from within one).
    await s.transaction(async (tx) => tx.identities.putLink({ slack_user: 'U2', login: 'ann', linked_ms: 6 }));
    expect((await s.identities.link('U2'))?.login).toBe('ann');

    await s.identities.removeChallenge('U1');
    expect(await s.identities.challenge('U1')).toBeUndefined();
    expect(await s.identities.removeLink('U1')).toBe(true);
    expect(await s.identities.removeLink('U1')).toBe(false);
    expect(await s.identities.link('U1')).toBeUndefined();
  });
});
