import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { IsoTime, Reason, Severity, type TokenInput } from '../domain/token.js';
import { deadlineIn, type ToolDeps } from './deps.js';
import {
  agentAnswer,
  ElicitationSchemaInput,
  type MappedSchema,
  mapElicitationSchema,
  SchemaMappingError,
} from './elicitation.js';
import { describeBackendError, toolError } from './errors.js';
import { AskResult, askResult, askResultText } from './outcomes.js';
import { waitWithProgress } from './wait.js';

/** A token's prompt holds 20,000 characters: the question and its context share them. */
const MAX_PROMPT = 20_000;
/** A deadline in minutes: up to a year. */
const MAX_DEADLINE_MINUTES = 60 * 24 * 366;

export const AskHumanInput = {
  question: z.string().trim().min(1).max(MAX_PROMPT).describe('What to ask, in one or two sentences.'),
  options: z
    .array(z.string().min(1).max(2000))
    .max(100)
    .optional()
    .describe('Answers to offer as buttons. Leave out for a free-text answer (typed in a form or a thread reply).'),
  reason: Reason.optional().describe('Why you stopped (default context_required).'),
  severity: Severity.optional().describe('How urgent (default info).'),
  deadline: z
    .union([z.number().positive().max(MAX_DEADLINE_MINUTES), IsoTime])
    .optional()
    .describe(
      'When you need the answer: minutes from now, or an ISO 8601 time. Past it the result is outcome "no_answer".',
    ),
  context: z
    .string()
    .max(MAX_PROMPT)
    .optional()
    .describe('Markdown shown under the question: what you were doing, what you tried, what each answer will do.'),
  answer_schema: ElicitationSchemaInput.optional(),
};

/** `ask_human`: a question to people in Slack; waits for the answer (or the deadline) and returns it. */
export function registerAskHuman(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'ask_human',
    {
      title: 'Ask a human',
      description:
        'Ask the people supervising you a question in Slack and wait for their answer. Use it when you need a ' +
        'decision, a missing fact or an approval you cannot get otherwise. Returns outcome "answered" (with the ' +
        'answer), "cancelled", or "no_answer" when nobody answered by the deadline (not a refusal).',
      inputSchema: AskHumanInput,
      outputSchema: AskResult.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      let mapped: MappedSchema | undefined;
      try {
        mapped = args.answer_schema === undefined ? undefined : mapElicitationSchema(args.answer_schema);
      } catch (err) {
        if (err instanceof SchemaMappingError) return toolError(err.message);
        throw err;
      }
      const prompt = args.context?.trim() ? `${args.question}\n\n${args.context}` : args.question;
      if (prompt.length > MAX_PROMPT) {
        return toolError(
          `question and context together hold at most ${MAX_PROMPT} characters (these have ${prompt.length})`,
        );
      }
      const { backend } = deps;
      const deadline =
        typeof args.deadline === 'number' ? deadlineIn(args.deadline, backend.now()) : (args.deadline ?? null);
      const input: TokenInput = {
        reason: args.reason ?? 'context_required',
        prompt,
        options: args.options ?? [],
        severity: args.severity ?? 'info',
        deadline,
        // The agent stops waiting at its deadline: the token expires then rather than escalating.
        expiry_policy: deadline === null ? null : 'expire',
        answer_schema: mapped?.schema ?? null,
        project: deps.project ?? null,
        slack_channel: deps.channel ?? null,
      };
      let token: Awaited<ReturnType<typeof backend.create>>;
      try {
        token = await backend.create(input);
      } catch (err) {
        return toolError(describeBackendError(err));
      }
      let reentry: Awaited<ReturnType<typeof waitWithProgress>>;
      try {
        reentry = await waitWithProgress({
          backend,
          tokenId: token.id,
          extra,
          intervalMs: deps.progressIntervalMs,
          waitingFor: 'Waiting for an answer in Slack',
        });
      } catch (err) {
        return toolError(`asked in Slack (token ${token.id}), but the wait failed: ${describeBackendError(err)}`);
      }
      const result = askResult(reentry, mapped ? (raw) => agentAnswer(mapped, raw) : undefined);
      return {
        content: [{ type: 'text', text: askResultText(result, token.deadline) }],
        structuredContent: result,
      };
    },
  );
}
