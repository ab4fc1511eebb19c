import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { Authenticator } from '../api/auth.js';
import { readJsonBody } from '../api/http.js';
import type { Mount } from '../api/server.js';
import type { Clock } from '../clock.js';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { Notifier } from '../slack/notice.js';
import { parseOrThrow } from '../validation.js';
import type { ReentryWaiters } from '../waiters.js';
import { createLocalBackend } from './local-backend.js';
import { createRodizioMcpServer } from './server.js';

export const MCP_PATH = '/mcp';

/** Per-endpoint defaults a client sets in its URL (`/mcp?project=web&permission_deadline=30`). */
const McpQuery = z.strictObject({
  project: z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" only')
    .optional(),
  channel: z.string().min(1).max(100).optional(),
  permission_deadline: z.coerce.number().positive().max(527_040, 'is in minutes, at most a year').optional(),
});

export interface McpMountDeps {
  auth: Authenticator;
  purgatory: Purgatory;
  waiters: ReentryWaiters;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** Between progress notifications while a tool waits (default 10 s). */
  progressIntervalMs?: number;
}

/**
 * Streamable HTTP at `/mcp`, stateless: each POST carries its own bearer token and gets a fresh server bound to
 * that runner, so nothing about a client lives between requests. Any replica can therefore serve any request
 * (no sticky sessions behind a load balancer), and a long `ask_human` is one request whose SSE response carries
 * its progress notifications and, at the end, its result. GET (a server-initiated stream) and DELETE (ending a
 * session) have nothing to serve without sessions: 405.
 */
export function createMcpMount(deps: McpMountDeps): Mount {
  return {
    prefix: MCP_PATH,
    async listener(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== MCP_PATH) throw new NotFoundError(`no route for ${req.method} ${url.pathname}`);
      const actor = deps.auth.authenticate(req);
      if (req.method !== 'POST') throw new MethodNotAllowedError(req.method, MCP_PATH, ['POST']);
      const query = parseOrThrow(McpQuery, Object.fromEntries(url.searchParams), 'the query');
      const body = await readJsonBody(req);
      const server = createRodizioMcpServer({
        backend: createLocalBackend({ ...deps, actor }),
        progressIntervalMs: deps.progressIntervalMs,
        project: query.project,
        channel: query.channel,
        permissionDeadlineMinutes: query.permission_deadline,
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      // The client went away or the answer is out: either way this request's server is done (a tool still
      // waiting is aborted, which cancels its token).
      res.on('close', () => {
        void server.close().catch((err: unknown) => deps.logger.warn({ err }, 'closing an MCP request failed'));
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    },
  };
}
