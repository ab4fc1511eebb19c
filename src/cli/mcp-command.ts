import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { agentClient } from '../mcp/connection.js';
import { createHttpBackend } from '../mcp/http-backend.js';
import { createRodizioMcpServer } from '../mcp/server.js';
import { type Command, UsageError } from './command.js';

/** A positive number of `unit` from an option, or undefined when the option is absent. */
export function positiveOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  unit: string,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number of ${unit}`);
  return n;
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'Serve the MCP tools ask_human, request_permission and notify_human over stdio',
  usage:
    'rodizio mcp [--project <name>] [--channel <id>] [--permission-deadline <minutes>] [--progress-interval <seconds>]',
  details: [
    'For MCP clients that start a server process (Claude Code: `claude mcp add rodizio -- npx rodizio mcp`).',
    'Reaches the bridge at RODIZIO_URL (default http://127.0.0.1:$PORT, else :3000) with RODIZIO_TOKEN, this',
    "runner's secret from RODIZIO_API_TOKENS. Tools wait for answers and send progress notifications meanwhile.",
    '--permission-deadline: request_permission is denied as unanswered after this many minutes (default: waits).',
    'The bridge serves the same tools over Streamable HTTP at /mcp.',
  ].join('\n'),
  options: {
    project: { type: 'string' },
    channel: { type: 'string' },
    'permission-deadline': { type: 'string' },
    'progress-interval': { type: 'string' },
  },
  positionals: 0,
  async run({ values, io }) {
    const permissionDeadlineMinutes = positiveOption(values, 'permission-deadline', 'minutes');
    const progressSeconds = positiveOption(values, 'progress-interval', 'seconds');
    const client = agentClient(io.env);
    const server = createRodizioMcpServer({
      backend: createHttpBackend(client),
      project: values.project as string | undefined,
      channel: values.channel as string | undefined,
      permissionDeadlineMinutes,
      progressIntervalMs: progressSeconds === undefined ? undefined : progressSeconds * 1000,
    });
    // stdio is the protocol here: stdout carries only MCP messages, so this command prints nothing itself.
    const transport = new StdioServerTransport(process.stdin, process.stdout);
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
    });
    // The client closing our stdin ends the session (the SDK transport does not watch for it).
    const end = () => void server.close();
    process.stdin.once('end', end);
    process.stdin.once('close', end);
    await server.connect(transport);
    await Promise.race([closed, io.stopSignal ?? new Promise<never>(() => {})]);
    await server.close();
    return 0;
  },
};
