import type { PermissionRequest, Token } from '../src/domain/token.js';
import { diffText } from './diff.js';
import { escapeMrkdwn, plainLine, truncate } from './text.js';

/** The most a code block on a card shows; section text holds 3000 characters. */
const CODE_ROOM = 2400;

/** A code block that stays one: Slack has no escape for ``` inside it, so runs of backticks are broken up. */
export function codeBlock(text: string, max = CODE_ROOM): string {
  const safe = escapeMrkdwn(text).replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
  return `\`\`\`${truncate(safe, max) || ' '}\`\`\``;
}

/** Inline code for a short one-line value; undefined when it would not read as one (newlines, backticks, long). */
function inlineCode(text: string, max = 150): string | undefined {
  if (text.length > max || /[`\n]/.test(text) || text.trim() === '') return undefined;
  return `\`${escapeMrkdwn(text)}\``;
}

/** A proposal as a person edits it: a string as typed, anything else as pretty JSON. */
export function proposalText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? 'null');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One line naming the tool and what it acts on, with the body below when it does not fit a line. */
function namedLine(label: string, subject: string | undefined): { headline: string; body: string | null } {
  if (subject === undefined) return { headline: label, body: null };
  const inline = inlineCode(subject);
  return inline ? { headline: `${label} ${inline}`, body: null } : { headline: label, body: codeBlock(subject) };
}

/**
 * What the agent wants to do, as a person reads it on a card: `*Bash:* \`rm -rf build/\``, `*Edit* \`src/app.ts\``
 * with the change as a diff, `*WebFetch* https://…`; any other tool by its name with its input as JSON.
 */
export function describeRequest(permission: PermissionRequest): { headline: string; body: string | null } {
  const { tool_name: tool, input } = permission;
  const name = `*${escapeMrkdwn(plainLine(tool, 100))}*`;
  switch (tool) {
    case 'Bash':
      return namedLine('*Bash:*', str(input.command));
    case 'Edit': {
      const line = namedLine(name, str(input.file_path));
      const before = str(input.old_string);
      const after = str(input.new_string);
      if (before === undefined || after === undefined) return line;
      return { headline: line.headline, body: codeBlock(diffText(before, after)) };
    }
    case 'MultiEdit': {
      const line = namedLine(name, str(input.file_path));
      const edits = Array.isArray(input.edits) ? input.edits : [];
      const diffs = edits.map((e) => {
        const edit = typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {};
        return diffText(str(edit.old_string) ?? '', str(edit.new_string) ?? '');
      });
      return { headline: line.headline, body: diffs.length ? codeBlock(diffs.join('\n…\n')) : line.body };
    }
    case 'Write': {
      const line = namedLine(name, str(input.file_path));
      const content = str(input.content);
      return { headline: line.headline, body: content === undefined ? line.body : codeBlock(content) };
    }
    case 'WebFetch': {
      const url = str(input.url);
      const headline = url && /^https?:\/\/\S+$/.test(url) ? `${name} ${escapeMrkdwn(truncate(url, 500))}` : name;
      const prompt = str(input.prompt);
      return { headline, body: prompt ? `> ${escapeMrkdwn(plainLine(prompt, 500))}` : null };
    }
    case 'Read':
    case 'NotebookEdit':
      return namedLine(name, str(input.file_path) ?? str(input.notebook_path));
    case 'WebSearch':
    case 'Glob':
    case 'Grep':
      return namedLine(name, str(input.query) ?? str(input.pattern));
    default:
      return { headline: name, body: codeBlock(JSON.stringify(input, null, 2)) };
  }
}

/** The request in one plain line, for notifications and fallback text: `Bash: rm -rf build/`. */
export function requestLine(permission: PermissionRequest, max = 200): string {
  const { tool_name: tool, input } = permission;
  const subject =
    str(input.command) ?? str(input.file_path) ?? str(input.url) ?? str(input.query) ?? str(input.pattern);
  return plainLine(subject ? `${tool}: ${subject}` : tool, max);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one key whose string value the edit changed (a Bash request's `command`), when that is all it changed. */
function changedStringKey(before: unknown, after: unknown): string | undefined {
  if (!isObject(before) || !isObject(after)) return undefined;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  const [key] = changed;
  return changed.length === 1 && key !== undefined && typeof before[key] === 'string' && typeof after[key] === 'string'
    ? key
    : undefined;
}

/**
 * What changed between the proposal and the answerer's edit: `-`/`+` lines in a code block, of the one string
 * that changed (a command) when that is all, else of the whole value. Null when nobody edited.
 */
export function editDiff(
  token: Pick<Token, 'proposed_input' | 'edited_input'>,
): { key: string | null; diff: string } | null {
  const { proposed_input: before, edited_input: after } = token;
  if (after === undefined) return null;
  const key = changedStringKey(before, after);
  if (key !== undefined && isObject(before) && isObject(after)) {
    return { key, diff: codeBlock(diffText(String(before[key]), String(after[key]))) };
  }
  return { key: null, diff: codeBlock(diffText(proposalText(before), proposalText(after))) };
}
