import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ForbiddenError, NotFoundError } from '../src/errors.js';
import { createPurgatory, type Purgatory } from '../src/purgatory.js';
import type { ExternalChange } from '../src/store/store.js';
import { createReentryWaiters, type ReentryWaiters } from '../src/waiters.js';
import { PYTHON_TOKEN } from './helpers/bridge.js';
import { openTestStore } from './helpers/engine.js';

const opened: ReentryWaiters[] = [];
afterEach(() => {
  for (const w of opened.splice(0)) w.close();
});

/** Waiters over a purgatory whose reads are counted; `duringNextRead` runs inside the next read, before it returns. */
async function setup() {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const store = await openTestStore();
  const purgatory = createPurgatory({ store, clock });
  await purgatory.create(PYTHON_TOKEN, { runner: 'ci', admin: false });
  let reads = 0;
  let during: (() => Promise<unknown>) | undefined;
  const counted: Purgatory = {
    ...purgatory,
    async withReentry(id) {
      reads++;
      const read = await purgatory.withReentry(id);
      const f = during;
      during = undefined;
      await f?.();
      return read;
    },
  };
  const waiters = createReentryWaiters(counted, store);
  opened.push(waiters);
  const answer = () => purgatory.resolve('sem-restored', { humanInput: 'A', by: 'U1', via: 'button' });
  return {
    waiters,
    answer,
    reads: () => reads,
    duringNextRead: (f: () => Promise<unknown>) => {
      during = f;
    },
  };
}

describe('long-poll waiters', () => {
  it('hear an answer recorded while their first read was under way, before they were listening', async () => {
    const { waiters, answer, reads, duringNextRead } = await setup();
    // The read saw the token pending; the answer's wake came before the wait was registered.
    duringNextRead(answer);
    const reentry = await waiters.wait('sem-restored', 30_000);
    expect(reentry).toMatchObject({ token_id: 'sem-restored', human_input: 'A', outcome: 'resolved' });
    expect(reads()).toBe(2);
    expect(waiters.count()).toBe(0);
  });

  it('read a token once to start waiting, and not again when the answer’s wake brings its reentry', async () => {
    const { waiters, answer, reads } = await setup();
    const waiting = waiters.wait('sem-restored', 30_000);
    await expect.poll(() => waiters.count()).toBe(1);
    expect(reads()).toBe(1);
    const { reentry } = await answer();
    await expect(waiting).resolves.toEqual(reentry);
    expect(reads()).toBe(1);
  });

  it('read once more when a wake comes without the reentry (an older replica, or one too large to carry)', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const store = await openTestStore();
    const purgatory = createPurgatory({ store, clock });
    await purgatory.create(PYTHON_TOKEN, { runner: 'ci', admin: false });
    let reads = 0;
    const counted: Purgatory = {
      ...purgatory,
      withReentry: (id) => {
        reads++;
        return purgatory.withReentry(id);
      },
    };
    // The answer comes from elsewhere (another purgatory: this one's events stay silent) and is announced bare.
    let announce: ((change: ExternalChange) => void) | undefined;
    const waiters = createReentryWaiters(counted, {
      onExternalChange: (listener) => {
        announce = listener;
        return () => {};
      },
    });
    opened.push(waiters);
    const waiting = waiters.wait('sem-restored', 30_000);
    await expect.poll(() => waiters.count()).toBe(1);
    await createPurgatory({ store, clock }).resolve('sem-restored', { humanInput: 'B', by: 'U2', via: 'button' });
    expect(waiters.count()).toBe(1);
    announce?.({ kind: 'settled', tokenId: 'sem-restored' });
    await expect(waiting).resolves.toMatchObject({ human_input: 'B', answered_by: 'U2' });
    expect(reads).toBe(2);
  });

  it('refuse before waiting: an unknown token, or one the caller may not read (admit throws)', async () => {
    const { waiters, reads } = await setup();
    await expect(waiters.wait('sem-nobody', 30_000)).rejects.toBeInstanceOf(NotFoundError);
    const admit = () => {
      throw new ForbiddenError('not yours');
    };
    await expect(waiters.wait('sem-restored', 30_000, undefined, admit)).rejects.toThrow('not yours');
    expect(waiters.count()).toBe(0);
    expect(reads()).toBe(2);
  });
});
