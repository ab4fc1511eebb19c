import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/index.js';

/** The configuration snippets the README shows, kept as files so they are parsed here. */
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8'));

/** Parses `rodizio …` arguments as the CLI would (strict: an unknown flag throws), returning its options. */
function parseRodizio(argv: string[]) {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new Error(`no rodizio command "${name}"`);
  return parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
}

/** `npx rodizio hook claude-code …` → its arguments after `rodizio`. */
function rodizioArgs(commandLine: string): string[] {
  const words = commandLine.split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', 'rodizio']);
  return words.slice(2);
}

/** Every ```json block of the README, parsed (a block that is not JSON fails here: the README would mislead). */
function readmeJsonBlocks(): unknown[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/^[ \t]*```json\n([\s\S]*?)\n[ \t]*```/gm)].map((m) => JSON.parse(m[1] as string));
}

describe('the Claude Code configuration snippets', () => {
  it.each(['settings.json', 'mcp-config.json', 'mcp-config-http.json'])(
    'the README shows %s exactly as tested here',
    (name) => {
      expect(readmeJsonBlocks()).toContainEqual(fixture(name));
    },
  );

  it('settings.json: PreToolUse asks through `rodizio hook claude-code` with matching timeouts', () => {
    const settings = fixture('settings.json');
    const [pre] = settings.hooks.PreToolUse;
    expect(pre.matcher).toBe('Bash|Edit|Write');
    const [hook] = pre.hooks;
    expect(hook.type).toBe('command');
    const parsed = parseRodizio(rodizioArgs(hook.command));
    expect(parsed.positionals).toEqual(['claude-code']);
    expect(parsed.values.tools).toBe('Bash,Edit,Write');
    // The hook must answer before Claude Code gives up on it: both timeouts say the same.
    expect(Number(parsed.values.timeout)).toBe(hook.timeout);

    const [notification] = settings.hooks.Notification;
    expect(notification.matcher).toBeUndefined();
    expect(parseRodizio(rodizioArgs(notification.hooks[0].command)).positionals).toEqual(['claude-code']);
  });

  it('--mcp-config (stdio): starts `rodizio mcp` with the runner secret from the environment', () => {
    const { rodizio } = fixture('mcp-config.json').mcpServers;
    expect(rodizio).toMatchObject({ type: 'stdio', command: 'npx' });
    expect(rodizio.args[0]).toBe('rodizio');
    expect(parseRodizio(rodizio.args.slice(1)).values).toEqual({ 'permission-deadline': '30' });
    expect(Object.keys(rodizio.env).sort()).toEqual(['RODIZIO_TOKEN', 'RODIZIO_URL']);
  });

  it('--mcp-config (HTTP): the bridge /mcp endpoint with a bearer header', () => {
    const { rodizio } = fixture('mcp-config-http.json').mcpServers;
    expect(rodizio.type).toBe('http');
    expect(new URL(rodizio.url).pathname).toBe('/mcp');
    expect(rodizio.headers.Authorization).toMatch(/^Bearer \$\{RODIZIO_TOKEN\}$/);
  });
});
