import { randomBytes } from 'node:crypto';
import type { Mount } from '../api/server.js';
import { type Config, SANDBOX_CHANNELS, type SlackConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { createFakeSlack, type FakeSlack } from './fake-slack.js';
import { createSandboxPage } from './page-server.js';
import { createSlackDriver, type SlackDriver } from './slack-driver.js';

export interface Sandbox {
  fake: FakeSlack;
  /** The Slack settings the bridge uses: the fake's URL and a signing secret shared with the driver. */
  slack: SlackConfig;
  page: Mount;
  /** Acts as the sandbox's people once the bridge listens. */
  readonly driver: SlackDriver | undefined;
  listening(port: number): void;
  stop(): Promise<void>;
}

/**
 * The zero-config local sandbox: a fake Slack on loopback that the bridge talks to through its normal Slack
 * code (auth.test, Bolt verifying signatures, the outbox), and a page at /sandbox where a person acts in it.
 */
export async function startSandbox(
  slack: SlackConfig,
  config: Config,
  logger: Logger,
  port: () => number,
): Promise<Sandbox> {
  const fake = createFakeSlack({ botToken: slack.botToken });
  await fake.start();
  const signingSecret = randomBytes(24).toString('hex');
  let driver: SlackDriver | undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const demo = [...config.apiTokens].find(([runner]) => runner === 'demo') ?? [...config.apiTokens][0];
  const page = createSandboxPage({
    fake,
    driver: () => driver,
    channels: { [SANDBOX_CHANNELS.agents]: 'agents', [SANDBOX_CHANNELS.oncall]: 'oncall' },
    connect: () => ({ apiUrl: `http://${host}:${port()}`, token: demo?.[1] ?? null, runner: demo?.[0] ?? null }),
    logger,
  });
  return {
    fake,
    slack: { ...slack, apiUrl: fake.apiUrl, signingSecret },
    page,
    get driver() {
      return driver;
    },
    listening(p: number) {
      driver = createSlackDriver({ fake, botUrl: `http://127.0.0.1:${p}/slack/events`, signingSecret });
      logger.info(
        { url: `http://${host}:${p}/sandbox` },
        `sandbox: no Slack credentials, so rodizio talks to a built-in fake Slack — open http://${host}:${p}/sandbox and run \`npm run demo\`; to connect a real workspace set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_CHANNEL (README: Slack app setup)`,
      );
    },
    async stop() {
      await fake.stop();
    },
  };
}
