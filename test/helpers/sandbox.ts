import { type Config, loadConfig } from '../../src/config.js';
import { createBridge } from '../../src/main.js';
import { readOrCreateSandboxToken } from '../../src/sandbox/token-file.js';
import { afterTest } from './cleanup.js';
import { captureLogger } from './logs.js';
import { tempDbPath, tempDir } from './temp.js';
import { NO_TMUX_SERVER } from './tmux.js';

/** A bridge started the zero-config way: no Slack credentials and no runner secrets, so sandbox mode. */
export async function startSandboxBridge(overrides: Partial<Config> = {}) {
  const logs = captureLogger();
  const phaseDir = tempDir();
  const config: Config = {
    ...loadConfig({
      PORT: '0',
      LOG_LEVEL: 'debug',
      RODIZIO_PHASE_DIR: phaseDir,
      SLACK_POST_INTERVAL: '1ms',
      RODIZIO_TMUX_SOCKET: NO_TMUX_SERVER,
    }),
    dbPath: tempDbPath(),
    ...overrides,
  };
  const bridge = await createBridge({ config, logger: logs.logger, schedule: false });
  afterTest(() => bridge.stop().catch(() => {}));
  const port = await bridge.start();
  const sandbox = bridge.sandbox;
  const driver = sandbox?.driver;
  if (!sandbox || !driver) throw new Error('the bridge did not start in sandbox mode');
  const url = `http://127.0.0.1:${port}`;
  // The `demo` runner's secret the bridge made next to its database (reading it again does not change it).
  const token = readOrCreateSandboxToken(config.dbPath);
  return { bridge, url, logs, fake: sandbox.fake, driver, phaseDir, token, config };
}

/** POSTs JSON to the sandbox page's API. */
export async function sandboxPost(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
