import { createBridge } from '../main.js';
import { migrate, openDatabase } from '../store/database.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the bridge: agent API, Slack (or the local sandbox), outbox, schedules, phase files (`npm start`)',
  usage: 'rodizio serve',
  details:
    'Configured by environment variables (or .env); see README "Configuration". Without Slack credentials it runs\n' +
    'the local sandbox: open http://127.0.0.1:3000/sandbox.',
  options: {},
  positionals: 0,
  async run({ io, config, logger }) {
    const cfg = config();
    const log = logger();
    const bridge = createBridge({ config: cfg, logger: log, clock: io.clock });
    const port = await bridge.start();
    log.info(
      { url: `http://${cfg.host}:${port}`, db: bridge.db.name },
      `rodizio listening on http://${cfg.host}:${port}`,
    );
    if (!cfg.sandbox && cfg.apiTokens.size === 0 && !cfg.adminToken) {
      log.warn('no RODIZIO_API_TOKENS or RODIZIO_ADMIN_TOKEN set: every API call will get 401');
    }
    await io.stopSignal;
    log.info('stopping');
    await bridge.stop();
    return 0;
  },
};

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations and print the schema version',
  usage: 'rodizio migrate',
  options: {},
  positionals: 0,
  run({ io, config }) {
    const db = openDatabase(config().dbPath, { migrate: false });
    try {
      const { from, to } = migrate(db);
      io.stdout(from === to ? `${db.name} is at schema version ${to}\n` : `${db.name}: schema ${from} → ${to}\n`);
      return 0;
    } finally {
      db.close();
    }
  },
};
