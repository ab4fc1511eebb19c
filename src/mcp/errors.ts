import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { RodizioApiError } from '../client/index.js';
import { RodizioError, ValidationError } from '../errors.js';

/** rodizio's refusal or failure in words an agent can act on: the message and each field at fault. */
export function describeBackendError(err: unknown): string {
  if (err instanceof RodizioApiError) {
    const body = (err.body as { error?: { message?: string } } | undefined)?.error;
    return [
      `rodizio refused: ${body?.message ?? err.message}`,
      ...err.issues.map((i) => `- ${i.path}: ${i.message}`),
    ].join('\n');
  }
  if (err instanceof RodizioError) {
    const issues = err instanceof ValidationError ? err.issues : [];
    return [`rodizio refused: ${err.message}`, ...issues.map((i) => `- ${i.path}: ${i.message}`)].join('\n');
  }
  return `could not reach rodizio: ${err instanceof Error ? err.message : String(err)}`;
}

/** A tool error result (`isError`): the client shows it to the model, which can correct its call. */
export function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
