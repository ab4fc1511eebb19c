import { afterEach } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { type Bridge, createBridge } from '../../src/main.js';
import { captureLogger } from './logs.js';
import { tempDbPath, tempDir } from './temp.js';

const running: Bridge[] = [];
afterEach(async () => {
  for (const b of running.splice(0)) await b.stop().catch(() => {});
});

/** A bridge started the zero-config way: no Slack credentials and no runner secrets, so sandbox mode. */
export async function startSandboxBridge(overrides: Partial<Config> = {}) {
  const logs = captureLogger();
  const phaseDir = tempDir();
  const config: Config = {
    ...loadConfig({ PORT: '0', LOG_LEVEL: 'debug', RODIZIO_PHASE_DIR: phaseDir, SLACK_POST_INTERVAL: '1ms' }),
    dbPath: tempDbPath(),
    ...overrides,
  };
  const bridge = createBridge({ config, logger: logs.logger, schedule: false });
  running.push(bridge);
  const port = await bridge.start();
  const sandbox = bridge.sandbox;
  const driver = sandbox?.driver;
  if (!sandbox || !driver) throw new Error('the bridge did not start in sandbox mode');
  const url = `http://127.0.0.1:${port}`;
  const token = config.apiTokens.get('demo') ?? (bridge.purgatory && [...(await readToken(config.dbPath))][0]);
  return { bridge, url, logs, fake: sandbox.fake, driver, phaseDir, token: token as string, config };
}

async function readToken(dbPath: string): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const { sandboxTokenPath } = await import('../../src/sandbox/token-file.js');
  return [readFileSync(sandboxTokenPath(dbPath), 'utf8').trim()];
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
