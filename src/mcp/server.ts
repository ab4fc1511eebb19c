import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { packageVersion } from '../package-info.js';
import { registerAskHuman } from './ask-human.js';
import type { RodizioBackend } from './backend.js';
import type { ToolDeps } from './deps.js';
import { registerNotifyHuman } from './notify-human.js';
import { registerRequestPermission } from './request-permission.js';
import { DEFAULT_PROGRESS_INTERVAL_MS } from './wait.js';

export interface RodizioMcpOptions extends Omit<ToolDeps, 'progressIntervalMs'> {
  backend: RodizioBackend;
  /** Between progress notifications while a tool waits (default 10 s). */
  progressIntervalMs?: number;
}

const INSTRUCTIONS =
  'rodizio puts your questions to the people supervising you, in Slack. ask_human waits for their answer; ' +
  "notify_human tells them something without waiting; request_permission is for Claude Code's " +
  '--permission-prompt-tool. An answer can take minutes or hours: the call keeps waiting and reports progress.';

/**
 * The MCP server: `ask_human`, `request_permission` and `notify_human` over the given backend. One server per
 * connection (stdio) or per request (the stateless `/mcp` endpoint).
 */
export function createRodizioMcpServer(options: RodizioMcpOptions): McpServer {
  const server = new McpServer({ name: 'rodizio', version: packageVersion() }, { instructions: INSTRUCTIONS });
  const deps: ToolDeps = { ...options, progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS };
  registerAskHuman(server, deps);
  registerRequestPermission(server, deps);
  registerNotifyHuman(server, deps);
  return server;
}
