import type { Purgatory } from '../purgatory.js';

/**
 * Says something in a token's Slack thread once per `key` (a delivery that keeps waiting for its tmux session
 * says so once, not on every retry). Recorded as an audit event `note:<key>`.
 */
export function createOnceNotes(purgatory: Purgatory) {
  return function noteOnce(tokenId: string, key: string, text: string): void {
    purgatory.change((tx) => {
      if (purgatory.stores.events.count(tokenId, `note:${key}`) > 0) return;
      tx.event({ tokenId, type: `note:${key}`, actor: 'rodizio' });
      tx.plan({ type: 'noted', token: tx.token(tokenId), text });
    });
  };
}
