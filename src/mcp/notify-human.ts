import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MAX_NOTICE_TEXT } from '../slack/notice.js';
import type { ToolDeps } from './deps.js';
import { describeBackendError, toolError } from './errors.js';

export const NotifyHumanInput = {
  text: z.string().trim().min(1).max(MAX_NOTICE_TEXT).describe('The message (Slack mrkdwn).'),
  channel: z.string().min(1).max(100).optional().describe('A Slack channel id or name (default: the usual channel).'),
  token_id: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Post in the card thread of this token (an earlier ask_human) instead of a channel.'),
};

const NotifyOutput = { queued: z.boolean(), channel: z.string().nullable(), token_id: z.string().nullable() };

/** `notify_human`: tells people something ("done", "blocked on CI") without waiting for anyone. */
export function registerNotifyHuman(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'notify_human',
    {
      title: 'Tell the humans',
      description:
        'Post a message to the people supervising you in Slack, without waiting for an answer: progress, "done", ' +
        '"blocked on CI". Use ask_human when you need an answer.',
      inputSchema: NotifyHumanInput,
      outputSchema: NotifyOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args) => {
      const where =
        args.token_id !== undefined
          ? { token_id: args.token_id }
          : args.channel !== undefined
            ? { channel: args.channel }
            : deps.channel !== undefined
              ? { channel: deps.channel }
              : deps.project !== undefined
                ? { project: deps.project }
                : {};
      if (args.token_id !== undefined && args.channel !== undefined) {
        return toolError('give channel or token_id, not both: a notice goes to one place');
      }
      try {
        const result = await deps.backend.notify({ text: args.text, ...where });
        const place = result.token_id ? `the thread of token ${result.token_id}` : (result.channel ?? 'Slack');
        return {
          content: [{ type: 'text', text: `Posted to ${place}.` }],
          structuredContent: { ...result },
        };
      } catch (err) {
        return toolError(describeBackendError(err));
      }
    },
  );
}
