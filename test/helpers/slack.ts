import { vi } from 'vitest';
import { ActionId } from '../../blocks/ids.js';
import type { Clock } from '../../src/clock.js';
import { type Config, FileConfig, type SlackConfig } from '../../src/config.js';
import type { GitHubClientOptions } from '../../src/github/client.js';
import {
  createFakeSlack,
  type FakeSlack,
  type FakeSlackOptions,
  type Json,
  type SlackMessage,
} from '../../src/sandbox/fake-slack.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack-driver.js';
import { RUNNER_SECRET, startTestBridge, type TestBridge } from './bridge.js';
import { afterTest } from './cleanup.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';
export const CARDS = 'C0CARDS';
export const ONCALL = 'C0ONCALL';

export interface SlackTestBridge extends TestBridge {
  fake: FakeSlack;
  driver: SlackDriver;
  /** Creates a token through the agent API and waits for its card to be posted. */
  createAndPost(body: Record<string, unknown>): Promise<{ id: string; card: SlackMessage }>;
  /** The card message of a token (undefined until posted). */
  card(tokenId: string): Promise<SlackMessage | undefined>;
  /**
   * Waits until every Slack request the bridge received has been handled (events run after their ack) and
   * the outbox has nothing due by the bridge's clock.
   */
  settle(): Promise<void>;
  /**
   * Runs a slash command and, once the bridge has settled, resolves with the reply the person ends up seeing:
   * the last one sent through the command's response_url, else the ack's (a command is recorded, acked, then
   * processed, so the ack may only hold "Working on…" while the answer follows).
   */
  command(args: { user: string; channel: string; text: string }): Promise<CommandReply>;
  /** Long-polls the reentry as the `ci` runner. */
  reentry(tokenId: string, waitSeconds?: number): Promise<{ status: number; json: unknown }>;
}

/** The final reply to a slash command (see SlackTestBridge.command), with the HTTP answer to the command itself. */
export interface CommandReply {
  status: number;
  /** What the ack said, if anything (it may be only a holding line). */
  ack: Json | undefined;
  /** The reply the person sees last: through the response_url, else the ack; undefined if neither said anything. */
  reply: { response_type?: string; text?: string } | undefined;
}

/** A started fake Slack (optional faults set up by the caller before tokens flow). */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = createFakeSlack({ botToken: BOT_TOKEN, ...options });
  afterTest(() => fake.stop());
  await fake.start();
  return fake;
}

/** The bridge's Slack settings for `fake`: HTTP mode with the test signing secret, posts not paced. */
export function slackConfigFor(fake: FakeSlack, overrides: Partial<SlackConfig> = {}): SlackConfig {
  return {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    appToken: undefined,
    apiUrl: fake.apiUrl,
    channel: CARDS,
    escalationChannel: ONCALL,
    postIntervalMs: 0,
    ...overrides,
  };
}

/**
 * Holds the fake's next `method` call until `release()`: `asked` resolves once the call has come (a held call is
 * recorded in `fake.calls` only when answered).
 */
export function holdCall(fake: FakeSlack, method: string): { asked: Promise<void>; release: () => void } {
  let release = () => {};
  let arrived = () => {};
  const asked = new Promise<void>((resolve) => (arrived = resolve));
  fake.inject(method, { until: new Promise<void>((resolve) => (release = resolve)), arrived });
  return { asked, release };
}

/**
 * A bridge wired to a fake Slack over real HTTP, plus a driver that acts as the people in the workspace.
 * Posts are not paced unless `slack.postIntervalMs` says so.
 */
export async function startSlackBridge(
  options: {
    clock?: Clock;
    slack?: Partial<SlackConfig>;
    file?: Record<string, unknown>;
    config?: Partial<Config>;
    fake?: FakeSlack;
    bridge?: { schedule?: boolean; github?: GitHubClientOptions };
  } = {},
): Promise<SlackTestBridge> {
  const fake = options.fake ?? (await startFakeSlack());
  const slack = slackConfigFor(fake, options.slack);
  const t = await startTestBridge({
    clock: options.clock,
    config: { slack, file: FileConfig.parse(options.file ?? {}), ...options.config },
    ...options.bridge,
  });
  const driver = createSlackDriver({ fake, botUrl: `${t.url}/slack/events`, signingSecret: SIGNING_SECRET });
  const { worker } = t.bridge;
  const outbox = t.bridge.store.outbox;
  // The outbox as a value: pending jobs (their leases, attempts, run times) and how many are done or dead.
  const outboxState = async () =>
    JSON.stringify([
      await outbox.count('done'),
      await outbox.count('dead'),
      await outbox.list({ status: 'pending', limit: 10_000 }),
    ]);
  /**
   * The worker claims jobs in one statement before it counts them in flight: during that round trip a job is
   * neither runnable nor in flight, only leased. And a job can run and finish between two checks. So the outbox
   * is quiet when, between two equal readings of the table, nothing was in flight or runnable and none of the
   * pending jobs was leased by this worker.
   */
  const outboxQuiet = async () => {
    const before = await outboxState();
    if (worker.inFlight() > 0 || (await worker.hasRunnable())) return false;
    const pending = JSON.parse(before)[2] as { lease_owner: string | null }[];
    if (pending.some((j) => j.lease_owner === worker.owner)) return false;
    return (await outboxState()) === before;
  };
  const settle = async () => {
    await t.bridge.slack?.idle();
    await vi.waitUntil(outboxQuiet, { timeout: 5000, interval: 5 });
  };
  const card = async (tokenId: string) => {
    const token = await t.bridge.purgatory.find(tokenId);
    return token?.slack ? fake.message(token.slack.channel, token.slack.ts) : undefined;
  };
  return {
    ...t,
    fake,
    driver,
    card,
    settle,
    async command(args) {
      const res = await driver.slashCommand(args);
      await settle();
      const id = res.responseUrl.slice(res.responseUrl.lastIndexOf('/') + 1);
      // Replies through the response_url only ever follow the ack, though the fake may record them first.
      const followUp = fake.responses.filter((r) => r.id === id && r.via === 'response_url').at(-1)?.body;
      const ack = res.json !== undefined ? (res.json as Json) : res.body === '' ? undefined : { text: res.body };
      return { status: res.status, ack, reply: (followUp ?? ack) as CommandReply['reply'] };
    },
    async createAndPost(body) {
      const res = await t.call('POST', '/v1/tokens', { body });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.json)}`);
      const id = res.json.id as string;
      // The card is posted before its ts is stored, so wait on the store rather than on the fake.
      const posted = await vi.waitUntil(() => card(id), { timeout: 5000, interval: 5 });
      return { id, card: posted };
    },
    async reentry(tokenId, waitSeconds = 5) {
      const res = await fetch(`${t.url}/v1/tokens/${tokenId}/reentry?wait=${waitSeconds}`, {
        headers: { authorization: `Bearer ${RUNNER_SECRET}` },
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
  };
}

/** The action id of the button showing `label` on a message (options are `rodizio.option.<i>`). */
export function buttonFor(message: SlackMessage, label: string): string {
  for (const block of (message.blocks ?? []) as {
    type: string;
    elements?: { action_id?: string; text?: { text?: string } }[];
  }[]) {
    if (block.type !== 'actions') continue;
    for (const e of block.elements ?? []) if (e.text?.text === label && e.action_id) return e.action_id;
  }
  throw new Error(`no button "${label}" on the message`);
}

export { ActionId };
