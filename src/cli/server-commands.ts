import { createBridge } from '../main.js';
import { openStore } from '../store/open.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the bridge: agent API, Slack (or the local sandbox), outbox, schedules, phase files (`npm start`)',
  usage: 'rodizio serve',
  details:
    'Configured by environment variables (or .env); see README "Configuration". Without Slack credentials it runs\n' +
    "the local sandbox: open http://127.0.0.1:3000/sandbox. It takes the database's runner lock, then the port; if\n" +
    'either is taken it prints one line and exits 1 before anything runs. Ctrl-C stops it; a second Ctrl-C at once.',
  options: {},
  positionals: 0,
  async run({ io, config, logger }) {
    const cfg = config();
    const log = logger();
    let lost = () => {};
    const lockLost = new Promise<void>((resolve) => {
      lost = resolve;
    });
    const bridge = await createBridge({ config: cfg, logger: log, clock: io.clock, onLockLost: () => lost() });
    const starting = bridge.start();
    // Ctrl-C (or a deploy's SIGTERM) while Slack has not answered yet stops the start rather than waiting for it.
    const port = await Promise.race([
      starting,
      ...(io.stopSignal ? [io.stopSignal.then(() => 'signal' as const)] : []),
    ]);
    if (port === 'signal') {
      log.info('stopping while starting');
      await Promise.race([bridge.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      return 0;
    }
    log.info(
      { url: `http://${cfg.host}:${port}`, db: bridge.store.location },
      `rodizio listening on http://${cfg.host}:${port}`,
    );
    if (!cfg.sandbox && cfg.apiTokens.size === 0 && !cfg.adminToken) {
      log.warn('no RODIZIO_API_TOKENS or RODIZIO_ADMIN_TOKEN set: every API call will get 401');
    }
    const why = await Promise.race([
      io.stopSignal?.then(() => 'signal' as const),
      lockLost.then(() => 'lost' as const),
    ]);
    log.info('stopping');
    // Long-polls and in-flight jobs get a few seconds; a second Ctrl-C ends the process at once (src/cli.ts).
    await Promise.race([bridge.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    return why === 'lost' ? 1 : 0;
  },
};

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations and print the schema version',
  usage: 'rodizio migrate',
  options: {},
  positionals: 0,
  async run({ io, config }) {
    const before = await openStore(config().dbPath, { migrate: false });
    const from = (await before.schemaVersion()).current;
    await before.close();
    const store = await openStore(config().dbPath);
    try {
      const to = (await store.schemaVersion()).current;
      io.stdout(
        from === to ? `${store.location} is at schema version ${to}\n` : `${store.location}: schema ${from} → ${to}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
