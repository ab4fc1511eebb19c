import { z } from 'zod';
import { stableStringify } from '../json.js';
import type { PermissionRequest } from './token.js';

/** The input key that says what a tool acts on, for the tools whose subject is one string. */
const SUBJECT_KEY: Record<string, string> = {
  Bash: 'command',
  WebFetch: 'url',
  WebSearch: 'query',
  Read: 'file_path',
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
  Glob: 'pattern',
  Grep: 'pattern',
};

/**
 * What rules and grants match a permission request against: the command of a Bash call, the URL of a WebFetch,
 * the file of an edit, …; for other tools the input as JSON text with sorted keys. Descriptions and prompts the
 * agent words differently each time are left out, so the same command matches again.
 */
export function requestSubject(permission: Pick<PermissionRequest, 'tool_name' | 'input'>): string {
  const key = SUBJECT_KEY[permission.tool_name];
  const value = key === undefined ? undefined : permission.input[key];
  return typeof value === 'string' ? value : stableStringify(permission.input);
}

/** A regular expression as the config file writes it; refused with the engine's own complaint when it is not one. */
const RegexText = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((text, ctx) => {
    try {
      new RegExp(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    }
  });

/**
 * One entry of the config file's `rules`: permission requests for `tool` (or `*`, any tool) whose subject (see
 * requestSubject) matches `match` are answered at once, without asking anyone. `runner` limits it to one runner.
 */
export const PermissionRule = z.strictObject({
  tool: z.string().min(1).max(200),
  match: RegexText,
  decision: z.enum(['allow', 'deny'], { error: 'must be "allow" or "deny"' }),
  runner: z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'must be a runner name')
    .optional(),
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/** A rule that matched: its index in the config file (for the audit log and the reentry) and what it decided. */
export interface RuleMatch {
  index: number;
  rule: PermissionRule;
}

/** The config file's rules, compiled once; `decide` is what create calls for every permission request. */
export interface PermissionRules {
  /** A deny rule that matches wins; otherwise the first allow rule that matches; undefined when none does. */
  decide(runner: string, permission: Pick<PermissionRequest, 'tool_name' | 'input'>): RuleMatch | undefined;
}

export function compilePermissionRules(rules: readonly PermissionRule[]): PermissionRules {
  const compiled = rules.map((rule, index) => ({ index, rule, re: new RegExp(rule.match) }));
  return {
    decide(runner, permission) {
      const subject = requestSubject(permission);
      const matching = compiled.filter(
        (c) =>
          (c.rule.tool === '*' || c.rule.tool === permission.tool_name) &&
          (c.rule.runner === undefined || c.rule.runner === runner) &&
          c.re.test(subject),
      );
      const hit = matching.find((c) => c.rule.decision === 'deny') ?? matching[0];
      return hit ? { index: hit.index, rule: hit.rule } : undefined;
    },
  };
}
