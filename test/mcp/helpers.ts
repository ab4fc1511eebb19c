import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { vi } from 'vitest';
import type { Token } from '../../src/domain/token.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { RUNNER_SECRET } from '../helpers/bridge.js';
import { afterTest } from '../helpers/cleanup.js';
import { buttonFor, type SlackTestBridge } from '../helpers/slack.js';

/** An MCP client (the official SDK) connected to the bridge's `/mcp` with a runner's bearer secret. */
export async function connectHttp(
  url: string,
  options: { token?: string | null; query?: string } = {},
): Promise<Client> {
  const token = options.token === undefined ? RUNNER_SECRET : options.token;
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp${options.query ?? ''}`), {
    requestInit: token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'rodizio-test', version: '0.0.0' });
  afterTest(() => client.close().catch(() => {}));
  await client.connect(transport);
  return client;
}

/** Keeps a client for closing after the test (stdio clients made elsewhere). */
export function track(client: Client): Client {
  afterTest(() => client.close().catch(() => {}));
  return client;
}

/** Calls a tool and keeps its progress notifications; the promise settles with the tool's result. */
export function callWithProgress(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal } = {},
): { result: Promise<CallToolResult>; progress: Progress[] } {
  const progress: Progress[] = [];
  const result = client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => progress.push(p),
    resetTimeoutOnProgress: true,
    timeout: 30_000,
    signal: options.signal,
  }) as Promise<CallToolResult>;
  // A test that fails before awaiting it must not also report the rejection the client's close causes.
  result.catch(() => {});
  return { result, progress };
}

/** The newest token of the `ci` runner once its card is posted. */
export async function nextCard(
  t: SlackTestBridge,
  seen: ReadonlySet<string> = new Set(),
): Promise<{ token: Token; card: SlackMessage; channel: string }> {
  return vi.waitUntil(
    async () => {
      const { tokens } = await t.bridge.purgatory.list({ runner: 'ci', limit: 20 });
      for (const token of tokens) {
        if (seen.has(token.id)) continue;
        const card = await t.card(token.id);
        const posted = await t.bridge.purgatory.get(token.id);
        if (card && posted.slack) return { token: posted, card, channel: posted.slack.channel };
      }
      return undefined;
    },
    // Generous: the card may wait on a child process (`rodizio hook`, `rodizio mcp`) starting on a loaded machine.
    { timeout: 30_000, interval: 10 },
  );
}

/** Clicks the button labelled `label` on the card, as `user`. */
export async function click(
  t: SlackTestBridge,
  posted: { card: SlackMessage; channel: string },
  label: string,
  user = 'U0ALICE',
) {
  const { card, channel } = posted;
  const res = await t.driver.clickButton({ channel, ts: card.ts, actionId: buttonFor(card, label), user });
  if (res.status !== 200) throw new Error(`click failed: ${res.status} ${res.body}`);
  return res;
}

/** The text of the first content block of a tool result (the SDK's callTool also types a legacy shape). */
export function textOf(result: CallToolResult | { toolResult: unknown }): string {
  const first = 'content' in result ? result.content[0] : undefined;
  if (first?.type !== 'text') throw new Error(`no text content: ${JSON.stringify(result)}`);
  return first.text;
}
