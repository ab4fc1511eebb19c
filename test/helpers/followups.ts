import { ManualClock } from '../../src/clock.js';
import { type Config, type GitHubAuth, loadConfig } from '../../src/config.js';
import type { FakeSlack } from '../../src/sandbox/fake-slack.js';
import { createFakeGitHub } from '../fakes/fake-github.js';
import type { FakeGitHub } from '../fakes/fake-github-types.js';
import { afterTest } from './cleanup.js';
import { type SlackTestBridge, startSlackBridge } from './slack.js';

export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
export const HOUR = 3_600_000;
export const REPO = 'acme/web';

export interface FollowupBridge extends SlackTestBridge {
  clock: ManualClock;
  github: FakeGitHub;
  /** Moves the clock to `t0 + ms`, runs every sweep once, and runs the outbox jobs that fall due. */
  at(ms: number): Promise<void>;
  /** Runs outbox jobs due at the current clock, and waits for those the worker's own loop took meanwhile. */
  drain(): Promise<void>;
}

/** Sets the defaults of the issue; tests override with `env` (what an operator would set). */
export function followupConfig(env: Record<string, string> = {}): Partial<Config> {
  const c = loadConfig({ PORT: '0', ...env });
  return { followups: c.followups, schedules: c.schedules };
}

/**
 * A bridge with a fake Slack and a fake GitHub on loopback, a manual clock starting at T0 and the cron
 * schedules off: tests move the clock and run the sweeps themselves.
 */
export async function startFollowupBridge(
  options: {
    env?: Record<string, string>;
    file?: Record<string, unknown>;
    dbPath?: string;
    github?: FakeGitHub;
    fake?: FakeSlack;
    clock?: ManualClock;
    githubAuth?: GitHubAuth;
    /** Run the cron schedules (and the catch-up sweep at start). Off by default: tests call `at()`. */
    schedule?: boolean;
    /** Extra config (phase watching, tmux socket…). */
    config?: Partial<Config>;
  } = {},
): Promise<FollowupBridge> {
  const clock = options.clock ?? new ManualClock(T0);
  const github = options.github ?? createFakeGitHub();
  if (!options.github) {
    afterTest(() => github.stop());
    await github.start();
  }
  const t = await startSlackBridge({
    clock,
    fake: options.fake,
    file: options.file,
    config: {
      ...followupConfig(options.env),
      ...(options.dbPath ? { dbPath: options.dbPath } : {}),
      github: {
        apiUrl: github.url,
        auth: options.githubAuth ?? { kind: 'token', token: 'ghp_test' },
        blockedLabel: 'blocked',
      },
      githubWebUrl: 'https://github.com',
      ...options.config,
    },
    bridge: { schedule: options.schedule ?? false, github: { throttle: false, retry: { retries: 0 } } },
  });
  const drain = async () => {
    await t.bridge.worker.drain();
    // The worker's own loop (woken by each enqueue) may hold a job drain() could not claim: wait for it too.
    await t.settle();
  };
  return {
    ...t,
    clock,
    github,
    drain,
    async at(ms) {
      clock.set(T0 + ms);
      await t.bridge.scheduler.runAll();
      await drain();
    },
  };
}
