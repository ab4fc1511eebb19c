import type { Purgatory } from '../purgatory.js';

/**
 * Says something in a token's Slack thread once per `key` (a delivery that keeps waiting for its tmux session
 * says so once, not on every retry). Recorded as an audit event `note:<key>`.
 */
export function createOnceNotes(purgatory: Purgatory) {
  return async function noteOnce(tokenId: string, key: string, text: string): Promise<void> {
    await purgatory.change(async (ctx) => {
      if ((await ctx.tx.events.count(tokenId, `note:${key}`)) > 0) return;
      await ctx.event({ tokenId, type: `note:${key}`, actor: 'rodizio' });
      await ctx.plan({ type: 'noted', token: await ctx.token(tokenId), text });
    });
  };
}
