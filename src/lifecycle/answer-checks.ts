import { z } from 'zod';
import { GRANT_MAX_MS, GRANT_MIN_MS, grantCovers } from '../domain/grant.js';
import { MAX_INPUT_JSON, type Token } from '../domain/token.js';
import type { FieldIssue } from '../errors.js';
import type { Answer } from './types.js';

/** The longest Deny reason kept (a Slack modal's text input holds 3000 characters). */
export const MAX_MESSAGE = 3000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function editIssues(token: Token, edited: unknown): FieldIssue[] {
  const issue = (message: string) => [{ path: 'edited_input', message }];
  if (token.proposed_input === null) return issue('this token proposed no input to edit');
  if (!z.json().safeParse(edited).success) return issue('must be a JSON value');
  if (JSON.stringify(edited).length > MAX_INPUT_JSON)
    return issue(`must be at most ${MAX_INPUT_JSON} characters as JSON`);
  // Claude Code takes `updatedInput` as the tool's input object.
  if (token.permission && !isObject(edited)) return issue("a permission request's input must be a JSON object");
  return [];
}

function grantIssues(token: Token, answer: Answer, nowMs: number): FieldIssue[] {
  const grant = answer.grant;
  if (!grant) return [];
  const issue = (message: string) => [{ path: 'grant', message }];
  if (!token.permission) return issue('only a permission request can make a standing grant');
  if (answer.humanInput !== 'Allow') return issue('a standing grant allows: answer "Allow" with it');
  if (grant.durationMs < GRANT_MIN_MS || grant.durationMs > GRANT_MAX_MS) {
    return issue('a grant lasts from one minute to 24 hours');
  }
  if (grant.value === '' || grant.value.length > 2000) return issue('the grant needs a value of 1 to 2000 characters');
  const live = { ...grant, runner: token.runner, tool: token.permission.tool_name, revoked_at: null };
  if (!grantCovers({ ...live, expires_ms: nowMs + grant.durationMs }, token.runner, token.permission, nowMs)) {
    return issue(
      grant.scope === 'prefix' ? 'the prefix must match the start of this request' : 'the value must be this request',
    );
  }
  return [];
}

/**
 * What a person's answer must fit besides the answer schema: a permission request is answered with one of its
 * options (agents read anything but "Deny" as allow); an edit replaces a proposed input of the right shape;
 * a grant comes with "Allow" and covers the request it is made on.
 */
export function answerIssues(token: Token, answer: Answer, nowMs: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (token.permission && (typeof answer.humanInput !== 'string' || !token.options.includes(answer.humanInput))) {
    issues.push({
      path: 'human_input',
      message: `a permission request is answered with one of its options: ${token.options.join(', ')}`,
    });
  }
  if (answer.editedInput !== undefined) issues.push(...editIssues(token, answer.editedInput));
  if (answer.message !== undefined && answer.message.length > MAX_MESSAGE) {
    issues.push({ path: 'message', message: `must be at most ${MAX_MESSAGE} characters` });
  }
  issues.push(...grantIssues(token, answer, nowMs));
  return issues;
}
