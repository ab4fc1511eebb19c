import { App } from '@slack/bolt';
import { type FetchFunction, WebClient } from '@slack/web-api';
import type { Mount } from '../api/server.js';
import type { Clock } from '../clock.js';
import type { Config, SlackConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { FollowupRules } from '../followups/rules.js';
import type { Forge } from '../forge/forge.js';
import type { Identities } from '../identity/identities.js';
import { createRepoPermissionCheck, withRepoPermission } from '../identity/repo-permission.js';
import type { Logger } from '../logger.js';
import type { Gates } from '../outbox/gates.js';
import type { JobKind } from '../outbox/worker.js';
import type { PhaseBridge } from '../phase/bridge.js';
import type { Purgatory } from '../purgatory.js';
import { isStoreUnreachable } from '../store/errors.js';
import type { IntakeStore } from '../store/intake.js';
import { type AnswerService, createAnswerService } from './answer-service.js';
import { type AnswererCheck, createAnswererCheck } from './answerers.js';
import { toSlackLogger } from './bolt-logger.js';
import { type CardStateReader, createCardStateReader } from './card-state.js';
import { createDigestJobs } from './digest.js';
import { createSlackDirectory, type SlackDirectory } from './directory.js';
import { createGroupJobs, createThreadRoot } from './grouping.js';
import { createHomePublisher, type HomePublisher } from './home.js';
import { createSlackMount, createSlackReceiver } from './http-mount.js';
import { createIntake, type Intake } from './intake.js';
import { createSlackJobs } from './jobs.js';
import { platformError } from './web-errors.js';

/** Everything Slack listeners are given (the handlers' HandlerDeps). */
export interface SlackServices {
  config: Config;
  logger: Logger;
  purgatory: Purgatory;
  answers: AnswerService;
  mayAnswer: AnswererCheck;
  directory: SlackDirectory;
  cardState: CardStateReader;
  publishHome: HomePublisher;
  rules: FollowupRules;
  phase: PhaseBridge;
  /** Slack requests that change state: recorded before the ack, processed from the table. */
  intake: Intake;
  /** Slack ↔ forge logins (`/rodizio link`); absent when the composition root gives none. */
  identities: Identities | undefined;
  /** GitHub or Forgejo/Gitea; absent without forge credentials. */
  forge: Forge | undefined;
}

export interface SlackBridge {
  app: App;
  client: WebClient;
  identity: { botUserId: string; botId: string; teamId: string | undefined };
  services: SlackServices;
  /** Outbox job kinds that call Slack. */
  jobs: Record<string, JobKind>;
  /** `POST /slack/events` in HTTP mode; undefined in Socket Mode. */
  mount: Mount | undefined;
  mode: 'http' | 'socket';
  start(): Promise<void>;
  /** Resolves once no Slack request is being handled (events keep running after their ack). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackBridgeOptions {
  config: Config;
  slack: SlackConfig;
  logger: Logger;
  clock: Clock;
  purgatory: Purgatory;
  rules: FollowupRules;
  phase: PhaseBridge;
  /** The outbox's rate limits, shared with the worker so paced jobs wait without taking a slot. */
  gates: Gates;
  /** The intake table's store, on the composition root's database. */
  intakeStore: IntakeStore;
  /** Slack ↔ forge logins: answers that need a repository permission are checked through them. */
  identities?: Identities;
  forge?: Forge;
  /** The fetch every Web API client uses (the composition root's is timed for /metrics); default: global fetch. */
  fetch?: FetchFunction;
  /** Registers the Slack listeners (handlers/), passed in by the composition root. */
  register: (app: App, services: SlackServices) => void;
}

/** Options for every Web API client: the outbox owns retries, so the client must not retry or wait on 429s. */
export function webClientOptions(slack: SlackConfig, logger: Logger) {
  return {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    logger: toSlackLogger(logger, 'slack-web-api'),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
}

/**
 * Options for Socket Mode's own client, which only calls `apps.connections.open`. Nothing else retries that call, so
 * it keeps @slack/socket-mode's retry policy: with `webClientOptions` one 5xx or network error failed start-up, and on
 * a reconnect became an unhandled rejection that ended the process.
 */
function socketClientOptions(slack: SlackConfig, logger: Logger) {
  return {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    logger: toSlackLogger(logger, 'slack-socket-mode'),
    timeout: 10_000,
  };
}

/**
 * Connects to Slack: `auth.test` once to learn the bot's ids, then a Bolt app in HTTP mode (served on the
 * bridge's own port at /slack/events, signatures verified by Bolt) or Socket Mode when SLACK_APP_TOKEN is set.
 */
export async function createSlackBridge(options: SlackBridgeOptions): Promise<SlackBridge> {
  const { config, slack, logger, clock, purgatory } = options;
  const log = logger.child({ component: 'slack' });
  const clientOptions = { ...webClientOptions(slack, logger), ...(options.fetch ? { fetch: options.fetch } : {}) };
  const client = new WebClient(slack.botToken, clientOptions);

  let auth: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    auth = await client.auth.test();
  } catch (err) {
    const reason = platformError(err) ?? (err as Error).message;
    throw new ConfigError(`SLACK_BOT_TOKEN: Slack's auth.test failed (${reason}); check the token and SLACK_API_URL`, {
      cause: err,
    });
  }
  const identity = { botUserId: auth.user_id as string, botId: auth.bot_id as string, teamId: auth.team_id };
  log.info({ bot_user_id: identity.botUserId, team: auth.team }, 'connected to Slack');

  const mode = slack.appToken ? 'socket' : 'http';
  const receiver =
    mode === 'http' ? createSlackReceiver({ signingSecret: slack.signingSecret as string, logger }) : undefined;
  const app = new App({
    token: slack.botToken,
    botId: identity.botId,
    botUserId: identity.botUserId,
    logger: toSlackLogger(logger, 'bolt'),
    clientOptions,
    // rodizio keeps no conversation state in Bolt (everything is in the store, shared by replicas): no
    // conversation-context middleware, with its in-memory store, on every request.
    convoStore: false,
    ...(receiver
      ? { receiver }
      : {
          socketMode: true,
          appToken: slack.appToken,
          installerOptions: { clientOptions: socketClientOptions(slack, logger) },
        }),
  });
  app.error(async (err) => {
    // Not recorded, so not acknowledged: handed to the receiver, which answers 503 at once (Slack retries an event,
    // a person sees the click fail) rather than leaving the request to time out into a 404 three seconds later.
    if (isStoreUnreachable(err)) throw err;
    log.error({ err }, 'Slack listener failed');
  });
  // Count requests still being handled after their ack (events are acked before the listener runs), so
  // stop() can let them finish and tests can wait for them.
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  app.use(async ({ next }) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
      if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    }
  });
  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  const directory = createSlackDirectory({ client, clock, logger: log });
  const mayAnswer = createAnswererCheck(config, directory);
  const cardState = createCardStateReader({ purgatory, config, clock });
  // Answers (not listings) also check the forge permission a token may ask for: one forge call per answer.
  const answerCheck = options.identities
    ? withRepoPermission(
        mayAnswer,
        createRepoPermissionCheck({ config, identities: options.identities, forge: options.forge, logger: log }),
      )
    : mayAnswer;
  const intake = createIntake({
    store: options.intakeStore,
    client,
    clock,
    logger: log,
    botUserId: identity.botUserId,
  });
  intake.install(app);
  const services: SlackServices = {
    config,
    logger: log,
    purgatory,
    answers: createAnswerService({ purgatory, mayAnswer: answerCheck }),
    mayAnswer,
    directory,
    cardState,
    publishHome: createHomePublisher({ purgatory, mayAnswer, cardState, logger: log }),
    rules: options.rules,
    phase: options.phase,
    intake,
    identities: options.identities,
    forge: options.forge,
  };
  options.register(app, services);

  const noise = { client, clock, purgatory, config, gates: options.gates };
  const jobs = {
    ...createSlackJobs({ ...noise, cardState, threadRoot: createThreadRoot(purgatory) }),
    ...createDigestJobs(noise),
    ...createGroupJobs({ ...noise, cardState }),
  };

  const mount: Mount | undefined = receiver
    ? createSlackMount({ receiver, signingSecret: slack.signingSecret as string })
    : undefined;

  return {
    app,
    client,
    identity,
    services,
    jobs,
    mount,
    mode,
    async start() {
      if (mode === 'socket') {
        await app.start();
        log.info('Socket Mode connected');
      }
      // Requests acked by a process that died before processing them; not awaited, `idle()` waits for it.
      void intake.start();
    },
    async idle() {
      await idle();
      await intake.idle();
    },
    async stop() {
      if (mode === 'socket') await app.stop();
      await idle();
      await intake.idle();
      idleWaiters = [];
    },
  };
}
