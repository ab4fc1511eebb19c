import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TokenInput } from '../domain/token.js';
import { deadlineIn, type ToolDeps } from './deps.js';
import { describeBackendError } from './errors.js';
import { type PermissionDecision, permissionDecision } from './outcomes.js';
import { decidedAtCreate, waitWithProgress } from './wait.js';

/** Exactly what Claude Code's `--permission-prompt-tool` sends (unknown extra keys are ignored, not refused). */
export const RequestPermissionInput = {
  tool_name: z.string().min(1).max(200).describe('The tool Claude Code wants to run (Bash, Edit, WebFetch, mcp__…).'),
  input: z.record(z.string(), z.unknown()).describe("That tool's input, as the model wrote it."),
  tool_use_id: z.string().min(1).max(200).optional().describe('The id of this tool use.'),
};

/** Structured copy of the decision; Claude Code itself reads the JSON text of the first content block. */
const DecisionOutput = {
  behavior: z.enum(['allow', 'deny']),
  updatedInput: z.record(z.string(), z.unknown()).optional(),
  message: z.string().optional(),
};

function decided(decision: PermissionDecision): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(decision) }], structuredContent: decision };
}

/**
 * `request_permission`: Claude Code's permission prompt, asked in Slack. The answer is the JSON text Claude Code
 * parses: `{"behavior":"allow","updatedInput":…}` or `{"behavior":"deny","message":…}`. A request rodizio cannot
 * ask about is denied with the reason, so Claude Code always gets a decision it can read.
 */
export function registerRequestPermission(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'request_permission',
    {
      title: 'Ask a human for permission (Claude Code)',
      description:
        "Claude Code's --permission-prompt-tool: asks in Slack whether a tool call may run. People can allow, " +
        'deny with a reason, edit the input first, or allow similar calls for an hour.',
      inputSchema: RequestPermissionInput,
      outputSchema: DecisionOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const { backend } = deps;
      const permission = {
        tool_name: args.tool_name,
        input: args.input,
        ...(args.tool_use_id === undefined ? {} : { tool_use_id: args.tool_use_id }),
      };
      const deadline =
        deps.permissionDeadlineMinutes === undefined ? null : deadlineIn(deps.permissionDeadlineMinutes, backend.now());
      const input: TokenInput = {
        reason: 'approval_needed',
        // The input came in as JSON (MCP arguments); the bridge checks it against TokenInput's JSON type.
        permission: permission as TokenInput['permission'],
        deadline,
        expiry_policy: deadline === null ? null : 'expire',
        project: deps.project ?? null,
        slack_channel: deps.channel ?? null,
      };
      let token: Awaited<ReturnType<typeof backend.create>>;
      try {
        token = await backend.create(input);
      } catch (err) {
        return decided({ behavior: 'deny', message: `Could not ask a person in Slack: ${describeBackendError(err)}` });
      }
      const atOnce = decidedAtCreate(token);
      if (atOnce) return decided(permissionDecision(atOnce, args.input, token.deadline));
      try {
        const reentry = await waitWithProgress({
          backend,
          tokenId: token.id,
          extra,
          intervalMs: deps.progressIntervalMs,
          waitingFor: `Waiting for permission in Slack to use ${args.tool_name}`,
        });
        return decided(permissionDecision(reentry, args.input, token.deadline));
      } catch (err) {
        return decided({
          behavior: 'deny',
          message: `Asked in Slack (token ${token.id}) but could not get the answer: ${describeBackendError(err)}`,
        });
      }
    },
  );
}
