import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Mount } from '../api/server.js';
import { type Config, isLoopbackHost, SANDBOX_CHANNELS, type SlackConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { openWorkspaceStore, sandboxWorkspacePath } from '../store/sandbox-workspace.js';
import { createFakeSlack, type FakeSlack } from './fake-slack.js';
import { createSandboxPage } from './page-server.js';
import { createSlackDriver, type SlackDriver } from './slack-driver.js';
import { readSandboxToken } from './token-file.js';

/** What the page's "Connect an agent" box says. */
export interface SandboxConnect {
  apiUrl: string;
  token: string | null;
  runner: string | null;
  /** Said instead of a secret when the operator configured runners of their own. */
  note: string | null;
}

/**
 * The secret the page may show: only the `demo` runner's generated one (src/main.ts makes it when
 * RODIZIO_API_TOKENS is empty). A secret the operator configured belongs to a real runner and is never served
 * to whoever can reach the page.
 */
export function sandboxConnect(config: Config, apiUrl: string): SandboxConnect {
  const generated = readSandboxToken(config.dbPath);
  const onlyDemo = config.apiTokens.size === 1 && generated !== undefined && config.apiTokens.get('demo') === generated;
  if (onlyDemo) return { apiUrl, token: generated, runner: 'demo', note: null };
  return {
    apiUrl,
    token: null,
    runner: null,
    note: "RODIZIO_API_TOKENS is set, so the page shows no secret: use one of your runners' secrets as the Bearer token (or `npm run demo -- --token <secret>`).",
  };
}

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
  const file = sandboxWorkspacePath(config.dbPath);
  const store = file ? openWorkspaceStore(file) : undefined;
  const fake = createFakeSlack({ botToken: slack.botToken, ...(store ? { store } : {}) });
  try {
    await fake.start();
    // The sandbox's private phase folder (see phaseDirFor): only this user may drop files the bridge acts on.
    if (config.phase.enabled) mkdirSync(config.phase.dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    store?.close();
    throw err;
  }
  const signingSecret = randomBytes(24).toString('hex');
  let driver: SlackDriver | undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const page = createSandboxPage({
    fake,
    driver: () => driver,
    channels: { [SANDBOX_CHANNELS.agents]: 'agents', [SANDBOX_CHANNELS.oncall]: 'oncall' },
    connect: () => sandboxConnect(config, `http://${host}:${port()}`),
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
      if (!isLoopbackHost(config.host)) {
        logger.warn(
          { host: config.host },
          `sandbox: listening on ${config.host} because RODIZIO_SANDBOX=1: anyone who reaches port ${p} can act as any person of the sandbox`,
        );
      }
      logger.info(
        // `banner`: the line a person must not miss; the terminal log format makes it stand out.
        { url: `http://${host}:${p}/sandbox`, banner: true },
        `sandbox: no Slack credentials, so rodizio talks to a built-in fake Slack — open http://${host}:${p}/sandbox and run \`npm run demo\`; to connect a real workspace set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_CHANNEL (README: Slack app setup)`,
      );
    },
    async stop() {
      await fake.stop();
      store?.close();
    },
  };
}
