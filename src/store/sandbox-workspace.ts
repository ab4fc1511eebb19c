/**
 * The sandbox's fake Slack workspace is kept in a SQLite file of its own (see sqlite/sandbox-workspace.ts): a
 * stand-in for Slack's servers, not part of the purgatory, so it stays on SQLite whichever engine holds tokens.
 */
export {
  openWorkspaceStore,
  type StoredChannel,
  type StoredMessage,
  sandboxWorkspacePath,
  type WorkspaceSnapshot,
  type WorkspaceStore,
  type WorkspaceWrite,
} from './sqlite/sandbox-workspace.js';
