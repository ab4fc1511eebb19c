import { type Bridge, createBridge } from '../../src/main.js';
import type { FakeSlack } from '../../src/sandbox/fake-slack.js';
import { testConfig } from './bridge.js';
import { afterTest } from './cleanup.js';
import { testDbLocation } from './engine.js';
import { captureLogger } from './logs.js';
import { freePort } from './ports.js';
import { holdCall, slackConfigFor, startFakeSlack } from './slack.js';

/**
 * A bridge held in its starting window: its port is open but `start()` waits on the fake Slack's `auth.test`
 * until `release()`. Returns once that call has come; `started` is start()'s promise (the port), `db` its
 * database. Stopped after the test.
 */
export async function startHeldBridge(): Promise<{
  url: string;
  db: string;
  bridge: Bridge;
  fake: FakeSlack;
  started: Promise<number>;
  release: () => void;
}> {
  const fake = await startFakeSlack();
  // auth.test is the first thing start() asks Slack; holding it holds the bridge in its starting window.
  const { asked, release } = holdCall(fake, 'auth.test');
  const port = await freePort();
  const db = await testDbLocation({ migrated: true });
  const bridge = await createBridge({
    config: testConfig({
      port,
      dbPath: db,
      slack: slackConfigFor(fake),
    }),
    logger: captureLogger().logger,
    schedule: false,
  });
  // stop() ends a start() still waiting on Slack; the held call is then answered, so no request hangs.
  afterTest(async () => {
    await bridge.stop().catch(() => {});
    release();
  });
  const started = bridge.start();
  const url = `http://127.0.0.1:${port}`;
  // The port opens before start() asks Slack anything: once auth.test has come, the bridge is in its window.
  await asked;
  return { url, db, bridge, fake, started, release };
}
