/** Writes each change of the fake workspace to its store as it happens, so a restart finds what Slack would show. */

import type { StoredChannel, StoredMessage, WorkspaceStore } from '../store/sandbox-workspace.js';
import type { FakeSlackChange, FakeWorkspace } from './fake-slack-state.js';

/**
 * The change listener that keeps `store` in step with `ws`. It runs inside the Web API method that made the
 * change, before the method answers, so a card the bridge was told about is on disk before the bridge records
 * its ts.
 */
export function createWorkspacePersister(ws: FakeWorkspace, store: WorkspaceStore): (change: FakeSlackChange) => void {
  const messages = (channel: string, ...tss: (string | undefined)[]) => {
    const save: StoredMessage[] = [];
    for (const ts of tss) {
      const placed = ts === undefined ? undefined : ws.placement(channel, ts);
      if (placed) save.push(placed);
    }
    const record = ws.channelRecord(channel);
    const channels: StoredChannel[] = record ? [record] : [];
    return { save, channels };
  };
  return (change) => {
    switch (change.kind) {
      case 'message':
        // A reply also changes its parent's thread summary (reply_count, latest_reply…).
        store.write(messages(change.channel, change.ts, change.thread_ts));
        return;
      case 'message_changed':
        store.write(messages(change.channel, change.ts));
        return;
      case 'message_deleted': {
        // The message is gone from memory; the store still knows which thread's summary it was part of.
        const parent = store.replyOf(change.channel, change.ts);
        store.write({
          remove: [{ channel: change.channel, ts: change.ts }],
          ...messages(change.channel, parent ?? undefined),
        });
        return;
      }
      case 'view': {
        const view = ws.views.byId.get(change.viewId);
        if (view) store.write({ views: [view] });
        return;
      }
      case 'directory':
        store.write({ directory: { users: ws.users, usergroups: ws.usergroups } });
        return;
      default:
        // Ephemerals, response_url answers and recorded calls are not kept: Slack forgets them too.
        return;
    }
  };
}
