import type { Server } from 'node:http';
// The composition root is the one module of src/ that knows the Slack listeners exist.
import { registerHandlers } from '../handlers/index.js';
import { createAuthenticator } from './api/auth.js';
import { registerEventRoutes } from './api/events-routes.js';
import { registerGithubWebhookRoutes } from './api/github-webhook-routes.js';
import { registerHealthRoutes } from './api/health-routes.js';
import { registerImportRoutes } from './api/import-routes.js';
import { registerMetricsRoutes } from './api/metrics-routes.js';
import { registerNotifyRoutes } from './api/notify-routes.js';
import { createRouter } from './api/router.js';
import { createRequestListener, createServer, listen, type Mount } from './api/server.js';
import type { StreamOptions } from './api/sse.js';
import { registerTokenRoutes } from './api/tokens-routes.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { createDeliveryJobs } from './delivery/jobs.js';
import { createOnceNotes } from './delivery/notes.js';
import { createDeliveryPlanner } from './delivery/planner.js';
import { createSessionReplyJob, SESSION_REPLY_KIND } from './delivery/session-replies.js';
import { createDeliveryGuard } from './delivery/targets.js';
import { createTmux } from './delivery/tmux.js';
import { compilePermissionRules } from './domain/permission.js';
import { NotFoundError, RodizioError, UnavailableError } from './errors.js';
import { createEventDeliveryJobs } from './events/delivery.js';
import { createEventFeed } from './events/feed.js';
import { createSubscriptions, EVENT_DELIVERY_KIND, type Subscriptions } from './events/subscriptions.js';
import { createFollowupRules, type FollowupRules } from './followups/rules.js';
import { createScheduler, type Scheduler } from './followups/scheduler.js';
import { createSweeps, type Sweeps } from './followups/sweeps.js';
import { createForge } from './forge/create.js';
import { createGitHubClient, type GitHubClientOptions } from './github/client.js';
import { createGitHubJobs } from './github/jobs.js';
import { createGitHubPlanner } from './github/planner.js';
import { createRefMover, createRefPoller } from './github/refs.js';
import { createIdentities } from './identity/identities.js';
import { createLeadership } from './leadership.js';
import type { Logger } from './logger.js';
import { createMcpMount } from './mcp/http-mount.js';
import { createMetrics } from './metrics/metrics.js';
import { createGates } from './outbox/gates.js';
import type { JobKind } from './outbox/worker.js';
import { createOutboxWorker, type OutboxWorker } from './outbox/worker.js';
import { packageVersion } from './package-info.js';
import { createPhaseBridge, type PhaseBridge } from './phase/bridge.js';
import { createPhaseWatcher, type PhaseWatcher } from './phase/watcher.js';
import { createPurgatory, type EffectPlanner, type Purgatory } from './purgatory.js';
import { createRunnerLock } from './runner-lock.js';
import { type Sandbox, startSandbox } from './sandbox/sandbox.js';
import { readOrCreateSandboxToken } from './sandbox/token-file.js';
import { createSlackBridge, type SlackBridge } from './slack/app.js';
import { withNoiseControl } from './slack/grouping.js';
import { createNotifier } from './slack/notice.js';
import { createSlackPlanner } from './slack/planner.js';
import { openStore } from './store/open.js';
import type { ExternalChange, Store } from './store/store.js';
import { createReentryWaiters, type ReentryWaiters } from './waiters.js';

/** How often a replica renews (or tries for) the leader lock, and how old a heartbeat is before it is taken over. */
const LEADER_HEARTBEAT_MS = 1000;
const LEADER_STALE_MS = 5000;
/** With replicas, Slack requests a replica acknowledged but did not finish are taken up by the leader after this. */
const INTAKE_STALE_MS = 15_000;
/** Outbox lease with replicas (renewed every third of it while the job runs). */
const REPLICA_LEASE_MS = 15_000;

/** The planners that turn state changes into outbox jobs: the same set in the server and the CLI. */
export function buildPlanners(config: Config): EffectPlanner[] {
  const planners: EffectPlanner[] = [];
  if (config.slack) planners.push(...withNoiseControl(config, createSlackPlanner(config)));
  if (config.github) planners.push(createGitHubPlanner(config));
  planners.push(createDeliveryPlanner(config));
  return planners;
}

/** Opens the purgatory on the configured database, as the CLI verbs do while a server may be running. */
export async function openPurgatory(
  config: Config,
  clock: Clock = systemClock,
  logger?: Logger,
): Promise<{ store: Store; purgatory: Purgatory; subscriptions: Subscriptions; close(): Promise<void> }> {
  const store = await openStore(config.dbPath, { logger });
  // Event subscriptions are planned in the transaction of each audit event, in the server and the CLI alike.
  const subscriptions = createSubscriptions({ store, config, clock });
  const purgatory = createPurgatory({
    store,
    clock,
    planners: buildPlanners(config),
    checkDelivery: createDeliveryGuard(config),
    runnerTimeZone: (runner) => config.file.runners[runner]?.timezone,
    logger,
    eventPlanner: subscriptions.planner,
    permissionRules: compilePermissionRules(config.file.rules),
  });
  // Loaded now rather than by the first event's planner, inside its transaction (a second connection then).
  await subscriptions.list({ runner: '', admin: true });
  return { store, purgatory, subscriptions, close: () => store.close() };
}

export interface BridgeOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Run the cron schedules (default). Tests drive the sweeps themselves with an injected clock. */
  schedule?: boolean;
  /** Octokit settings (tests turn throttling off and shorten Octokit's own retry waits). */
  github?: GitHubClientOptions;
  /**
   * Called when another process took this database's runner lock over (this one stalled past the heartbeat's
   * staleness): the outbox, sweeps and phase watcher have already stopped; the CLI then exits.
   */
  onLockLost?: () => void;
  /** Event stream tuning (heartbeat, slow-client bounds); tests shorten them. */
  eventStream?: StreamOptions;
}

/** `stop()` was called while `start()` was still running: start() undoes what it had started and rejects. */
export class StoppedWhileStartingError extends RodizioError {
  constructor() {
    super('stopped_while_starting', 'the bridge was stopped while it was starting');
    this.name = 'StoppedWhileStartingError';
  }
}

/** The port cannot be taken: said in one line, before anything else has started. */
export class PortInUseError extends RodizioError {
  constructor(host: string, port: number, cause: unknown) {
    super(
      'port_in_use',
      `cannot listen on ${host}:${port}: ${(cause as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use (another rodizio?); set PORT to another port' : (cause as Error).message}`,
      { cause },
    );
    this.name = 'PortInUseError';
  }
}

/**
 * The composition root: opens the purgatory, wires the API, outbox worker and change watcher, and returns a
 * bridge ready to `start()`. Nothing here reads the environment; the CLI passes a loaded Config.
 */
export async function createBridge({
  config: given,
  logger,
  clock = systemClock,
  schedule = true,
  github,
  onLockLost,
  eventStream,
}: BridgeOptions): Promise<Bridge> {
  // Sandbox without runner secrets: one `demo` runner, its secret kept next to the database.
  const config: Config =
    given.sandbox && given.apiTokens.size === 0
      ? { ...given, apiTokens: new Map([['demo', readOrCreateSandboxToken(given.dbPath)]]) }
      : given;
  const { store, purgatory, subscriptions } = await openPurgatory(config, clock, logger);
  const metrics = createMetrics({ purgatory, store, clock, logger, waiters: () => waiters.count() });
  const rules = createFollowupRules({ purgatory, config, clock, logger });
  // Approvals tied to repository state: a moved branch or pull request marks its tokens' cards stale.
  const moveRef = createRefMover({ purgatory });
  const refPoller = createRefPoller({
    store: store.githubRefs,
    // Declared below; read when the sweep runs. GitHub only (not FORGE=gitea), unless GITHUB_REF_POLL=false.
    client: () => (config.githubRefs.poll ? githubClient : undefined),
    move: moveRef,
    clock,
    intervalMs: config.githubRefs.pollIntervalMs,
    logger,
  });
  const sweeps = createSweeps({ rules, purgatory, config, clock, logger, refs: refPoller });
  const scheduler = createScheduler({ sweeps: metrics.sweeps(sweeps), schedules: config.schedules, logger });
  const kinds: Record<string, JobKind> = {};
  const mounts: Mount[] = [];
  // The port opens before the sandbox and Slack start (the sandbox needs the port). Until start() is done,
  // /healthz answers 503 "starting" (not ready) and Slack's endpoint 503 (Slack retries an event), not a 404.
  let started = false;
  mounts.push({
    prefix: '/slack',
    listener(req, res) {
      if (slack?.mount) return slack.mount.listener(req, res);
      if (!started) throw new UnavailableError('the bridge is still starting');
      throw new NotFoundError(`no route for ${req.method} ${req.url}: Slack is not served over HTTP here`);
    },
  });

  const maintenance = store.maintenance();
  const waiters = createReentryWaiters(purgatory, store);
  // SQLite: one process runs the bridge on a file (the runner lock refuses a second). Postgres: any number of
  // replicas serve and drain the outbox; one leader at a time runs the sweeps, one per host the phase watcher.
  const replicas = store.engine === 'postgres';
  const lock = createRunnerLock({ store: store.runnerLocks, logger, dbPath: store.location });
  const leadership = replicas
    ? createLeadership({
        lock: createRunnerLock({
          store: store.runnerLocks,
          logger,
          dbPath: store.location,
          name: 'leader',
          heartbeatMs: LEADER_HEARTBEAT_MS,
          staleMs: LEADER_STALE_MS,
          host: config.hostId,
        }),
        retryMs: LEADER_HEARTBEAT_MS,
        logger,
        onElected: async () => {
          maintenance.start();
          if (schedule) await scheduler.start();
          intakeSweep = setInterval(
            () => void slack?.services.intake.drain({ olderThanMs: INTAKE_STALE_MS }),
            INTAKE_STALE_MS,
          );
          intakeSweep.unref();
        },
        onDeposed: async () => {
          clearInterval(intakeSweep);
          await scheduler.stop();
          await maintenance.stop();
        },
      })
    : undefined;
  let intakeSweep: NodeJS.Timeout | undefined;
  let unwatch: (() => void) | undefined;
  const gates = createGates(clock, {
    postIntervalMs: config.slack?.postIntervalMs ?? 1000,
    shared: replicas ? { store: store.gates, logger } : undefined,
  });
  const worker = createOutboxWorker({
    outbox: store.outbox,
    gates,
    // A replica that dies holds its jobs until their leases run out: keep that short where others can take over.
    leaseMs: replicas ? REPLICA_LEASE_MS : undefined,
    host: config.hostId,
    clock,
    logger: logger.child({ component: 'outbox' }),
    kinds,
    onDead: (job, error) => {
      // An event subscription's delivery is not the agent's answer: its own event type, no note on the card.
      const subscription = job.kind === EVENT_DELIVERY_KIND;
      const delivery = job.kind.startsWith('deliver.') && !subscription;
      const recorded = store.events.append({
        tokenId: job.token_id,
        type: subscription ? 'subscription_dead' : delivery ? 'delivery_dead' : 'outbox_dead',
        atMs: clock.now(),
        data: { job_id: job.id, kind: job.kind, error },
      });
      recorded.catch((err: unknown) => logger.error({ err, job_id: job.id }, 'cannot record a dead outbox job'));
      if (delivery && job.token_id) {
        void noteOnce(
          job.token_id,
          `dead:${job.id}`,
          `⚠️ The answer could not be delivered to the agent (${job.kind.slice('deliver.'.length)}): ${error}. \`rodizio redeliver ${job.token_id}\` tries again.`,
        );
      }
    },
  });
  const noteOnce = createOnceNotes(purgatory);
  const tmux = createTmux({ socketName: config.tmuxSocket });
  Object.assign(kinds, metrics.deliveries(createDeliveryJobs({ purgatory, config, clock, tmux, note: noteOnce })));
  Object.assign(kinds, metrics.deliveries(createEventDeliveryJobs({ subscriptions, config })));
  const phase = createPhaseBridge({
    purgatory,
    store: store.phaseFiles,
    config,
    tmux,
    clock,
    logger,
    noteOnce,
  });
  kinds['phase.guidance'] = phase.guidanceJob;
  kinds[SESSION_REPLY_KIND] = createSessionReplyJob({ purgatory, config, tmux });
  // With several replicas phase files are watched only where RODIZIO_PHASE_DIR says where they are.
  const phaseWatcher =
    config.phase.enabled && (!replicas || config.phase.dirSet)
      ? createPhaseWatcher({
          dir: config.phase.dir,
          rescanMs: config.phase.rescanMs,
          events: config.phase.events,
          logger,
          onEvent: phase.handle,
        })
      : undefined;
  const startPhaseWatcher = async () => {
    if (!phaseWatcher) return;
    await phaseWatcher.start();
    logger.info({ dir: config.phase.dir }, 'watching phase files');
  };
  // One watcher per host: phase files live on a machine, and two replicas there must not both act on them.
  const phaseLeadership =
    leadership && phaseWatcher
      ? createLeadership({
          lock: createRunnerLock({
            store: store.runnerLocks,
            logger,
            dbPath: store.location,
            name: `phase:${config.hostId}`,
            heartbeatMs: LEADER_HEARTBEAT_MS,
            staleMs: LEADER_STALE_MS,
            host: config.hostId,
          }),
          retryMs: LEADER_HEARTBEAT_MS,
          logger,
          onElected: startPhaseWatcher,
          onDeposed: () => phaseWatcher.stop(),
        })
      : undefined;
  let slack: SlackBridge | undefined;
  let sandbox: Sandbox | undefined;
  const githubClient =
    config.github && config.github.forge !== 'gitea'
      ? metrics.observeOctokit(createGitHubClient(config.github, logger, github))
      : undefined;
  // GitHub through the client above, or Forgejo/Gitea (FORGE=gitea) through its own fetch client.
  const forge = config.github ? createForge(config.github, logger, github, githubClient) : undefined;
  const identities = createIdentities({
    store: store.identities,
    declared: config.file.identities ?? {},
    forge,
    clock,
    logger,
  });
  if (forge) {
    Object.assign(
      kinds,
      createGitHubJobs({
        forge,
        loginOf: identities.loginOf,
        purgatory,
        rules,
        clock,
        permalink: async (token) => {
          if (!slack || !token.slack) return null;
          try {
            const res = await slack.client.chat.getPermalink({
              channel: token.slack.channel,
              message_ts: token.slack.ts,
            });
            return res.permalink ?? null;
          } catch (err) {
            logger.warn({ err, token_id: token.id }, 'cannot get the card permalink for GitHub');
            return null;
          }
        },
      }),
    );
  }
  purgatory.onOutbox((jobs) => worker.wake(jobs));
  // The event feed hears of this process's events on the bus and of other processes' (the CLI, other replicas)
  // from the store's external changes.
  const feed = createEventFeed({ store: store.feed, logger: logger.child({ component: 'event-feed' }) });
  purgatory.onEvent(() => feed.wake());
  const onExternal = (change: ExternalChange) => {
    if (change.kind === 'outbox') worker.wake([change], { elsewhere: true });
    if (change.kind === 'unknown') worker.wake();
    if (change.kind === 'event' || change.kind === 'unknown') feed.wake();
    if (change.kind === 'subscriptions' || change.kind === 'unknown') subscriptions.invalidate();
  };

  const router = createRouter();
  const auth = createAuthenticator(config.apiTokens, config.adminToken);
  registerHealthRoutes(router, {
    purgatory,
    waiters,
    version: packageVersion(),
    started: () => started,
    checks: {
      slack: () => (slack ? { mode: slack.mode, bot_user_id: slack.identity.botUserId } : { mode: 'off' }),
      github: () => (config.github ? { api: config.github.apiUrl, auth: config.github.auth.kind } : { mode: 'off' }),
      outbox: async () => ({
        dead: await store.outbox.count('dead'),
        pending: await store.outbox.count('pending'),
      }),
    },
  });
  registerTokenRoutes(router, { purgatory, waiters, auth });
  registerEventRoutes(router, { feed, subscriptions, auth, stream: eventStream });
  registerImportRoutes(router, { purgatory, auth, runners: () => [...config.apiTokens.keys()] });
  const notifier = createNotifier({ purgatory, config });
  registerNotifyRoutes(router, { notifier, auth });
  const webhookSecret = config.githubRefs.webhookSecret;
  if (webhookSecret) registerGithubWebhookRoutes(router, { secret: webhookSecret, move: moveRef });
  registerMetricsRoutes(router, { metrics, token: config.metricsToken });
  // Agents over MCP (Streamable HTTP), with the same bearer secrets as the API.
  mounts.push(
    createMcpMount({ auth, purgatory, waiters, notifier, clock, logger: logger.child({ component: 'mcp' }) }),
  );
  const server: Server = createServer(createRequestListener({ router, logger, mounts }));
  // Long-polls hold a request for up to 60 s; keep Node's request timeout comfortably above that.
  server.requestTimeout = 90_000;

  let port = config.port;
  /** start()'s and stop()'s runs: each runs once, and a stop during the start waits for it (stopBridge). */
  let starting: Promise<number> | undefined;
  let stopping: Promise<void> | undefined;
  const stopRequested = new AbortController();
  const closeServer = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    store,
    purgatory,
    waiters,
    worker,
    server,
    rules,
    sweeps,
    scheduler,
    phase,
    phaseWatcher,
    get port() {
      return port;
    },

    get slack() {
      return slack;
    },

    get sandbox() {
      return sandbox;
    },

    start(): Promise<number> {
      starting ??= startBridge();
      return starting;
    },

    stop(): Promise<void> {
      stopping ??= stopBridge();
      return stopping;
    },
  };

  /**
   * A `stop()` may come while start() waits (on Slack's auth.test or a Socket Mode connection, up to their
   * timeouts): start() then stops at its next step, undoes what it had started and rejects with
   * StoppedWhileStartingError; stop() waits for that, so nothing runs on a closed store.
   */
  async function startBridge(): Promise<number> {
    /** Throws once stop() has been called; between the steps that start something. */
    const checkpoint = () => {
      if (stopRequested.signal.aborted) throw new StoppedWhileStartingError();
    };
    // A process that cannot serve starts nothing: first the database's runner lock (SQLite), then the port.
    checkpoint();
    if (!replicas) await lock.acquire();
    try {
      checkpoint();
      try {
        port = await listen(server, config.port, config.host);
      } catch (err) {
        throw new PortInUseError(config.host, config.port, err);
      }
      checkpoint();
      let slackConfig = config.slack;
      if (config.sandbox && slackConfig) {
        sandbox = await startSandbox(slackConfig, config, logger, () => port);
        slackConfig = sandbox.slack;
        mounts.push(sandbox.page);
        sandbox.listening(port);
        checkpoint();
      }
      if (slackConfig) {
        // Slack may take its whole timeout to answer: a stop does not wait for it.
        slack = await unlessStopped(
          createSlackBridge({
            config,
            slack: slackConfig,
            logger,
            clock,
            purgatory,
            rules,
            phase,
            gates,
            intakeStore: store.intake,
            identities,
            forge,
            fetch: metrics.slackFetch,
            register: registerHandlers,
          }),
        );
        Object.assign(kinds, slack.jobs);
      } else {
        logger.info('Slack is off (no SLACK_BOT_TOKEN, RODIZIO_SANDBOX=0): the agent API works, cards are not posted');
      }
      if (slack) {
        const connected = slack;
        // A Socket Mode connection that opens after a stop is closed again.
        await unlessStopped(connected.start(), () => void connected.stop().catch(() => {}));
      }
    } catch (err) {
      await closeServer();
      await sandbox?.stop().catch(() => {});
      if (!replicas) await lock.release();
      await store.close();
      throw err;
    }
    // From here on stop() undoes everything: it waits for start() to return, then stops what it started.
    unwatch = store.onExternalChange(onExternal);
    if (leadership) {
      // Every replica drains the outbox (leases decide who runs a job; a dead replica's leases expire).
      worker.start();
      await leadership.start();
      await phaseLeadership?.start();
      started = true;
      return port;
    }
    // Jobs leased by a process that died (SIGKILL mid-delivery) would otherwise wait out their lease. We hold
    // the lock, so no other live process can hold a lease on this database.
    const released = await store.outbox.releaseLeasesNotOwnedBy(worker.owner);
    if (released > 0) logger.warn({ released }, 'took back outbox jobs a previous process had in flight');
    lock.keep(() => {
      void Promise.allSettled([phaseWatcher?.stop(), scheduler.stop(), worker.stop()]).then(() => onLockLost?.());
    });
    maintenance.start();
    worker.start();
    if (schedule) await scheduler.start();
    await startPhaseWatcher();
    started = true;
    return port;
  }

  /**
   * `work`, or StoppedWhileStartingError as soon as stop() is called, whichever comes first. `late` runs if
   * `work` resolves after that (to undo it).
   */
  function unlessStopped<T>(work: Promise<T>, late?: () => void): Promise<T> {
    const { signal } = stopRequested;
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new StoppedWhileStartingError());
      if (signal.aborted) onStop();
      else signal.addEventListener('abort', onStop, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onStop);
          if (signal.aborted) late?.();
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onStop);
          reject(err);
        },
      );
    });
  }

  async function stopBridge(): Promise<void> {
    stopRequested.abort();
    // A start() in progress stops at its next step; one that failed has already undone what it started.
    const startFailed = await starting?.then(
      () => false,
      () => true,
    );
    if (startFailed) return;
    started = false;
    await closeServer();
    await phaseLeadership?.stop();
    await leadership?.stop();
    await phaseWatcher?.stop();
    await scheduler.stop();
    await slack?.stop();
    unwatch?.();
    waiters.close();
    await worker.stop();
    await sandbox?.stop();
    await maintenance.stop();
    if (!replicas) await lock.release();
    await store.close();
  }
}

export interface Bridge {
  store: Store;
  purgatory: Purgatory;
  waiters: ReentryWaiters;
  worker: OutboxWorker;
  server: Server;
  rules: FollowupRules;
  sweeps: Sweeps;
  scheduler: Scheduler;
  phase: PhaseBridge;
  /** Present when RODIZIO_PHASE_WATCH is on. */
  phaseWatcher: PhaseWatcher | undefined;
  readonly port: number;
  /** Present once started with Slack configured. */
  readonly slack: SlackBridge | undefined;
  /** Present once started in sandbox mode: the fake Slack and the driver acting as its people. */
  readonly sandbox: Sandbox | undefined;
  /** Listens on the configured port (0 picks a free one) and returns it. */
  start(): Promise<number>;
  /** Closes the server and its connections, finishes in-flight jobs and closes the database. */
  stop(): Promise<void>;
}
