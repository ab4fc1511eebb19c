import { tmpdir } from 'node:os';
import type { StreamOptions } from '../../src/api/sse.js';
import type { Clock } from '../../src/clock.js';
import { type Config, FileConfig, loadConfig } from '../../src/config.js';
import type { TokenInput } from '../../src/domain/token.js';
import type { GitHubClientOptions } from '../../src/github/client.js';
import { type Bridge, createBridge } from '../../src/main.js';
import { afterTest } from './cleanup.js';
import { testDbLocation } from './engine.js';
import { captureLogger } from './logs.js';
import { tempDbPath } from './temp.js';
import { NO_TMUX_SERVER } from './tmux.js';

export const RUNNER_SECRET = 'ci-secret-0123456789';
export const OTHER_SECRET = 'other-secret-0123456789';
export const ADMIN_SECRET = 'admin-secret-0123456789';

/**
 * The `ci` runner's delivery rules in tests: webhooks to loopback receivers, files under the temp folder, any
 * tmux session (the private test tmux server). `other` has none: public webhooks only.
 */
export const CI_ALLOW = {
  webhook_hosts: ['127.0.0.1'],
  private_networks: true,
  file_dirs: [tmpdir()],
  tmux_sessions: ['*'],
};

/** A config for tests: temp database, port 0, runners `ci` and `other`, an admin token. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      PORT: '0',
      LOG_LEVEL: 'debug',
      RODIZIO_PHASE_WATCH: 'false',
      RODIZIO_SANDBOX: 'false',
      RODIZIO_TMUX_SOCKET: NO_TMUX_SERVER,
    }),
    file: FileConfig.parse({ runners: { ci: { allow: CI_ALLOW } } }),
    dbPath: tempDbPath(),
    apiTokens: new Map([
      ['ci', RUNNER_SECRET],
      ['other', OTHER_SECRET],
    ]),
    adminToken: ADMIN_SECRET,
    ...overrides,
  };
}

export interface TestBridge {
  bridge: Bridge;
  url: string;
  logs: ReturnType<typeof captureLogger>;
  /** fetch against the bridge; `token` defaults to the `ci` runner's secret, `null` sends none. */
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
  ): Promise<{ status: number; json: any; headers: Headers }>;
}

/** Starts a real bridge on a free loopback port; it is stopped after the test. */
export async function startTestBridge(
  options: {
    config?: Partial<Config>;
    clock?: Clock;
    schedule?: boolean;
    github?: GitHubClientOptions;
    /** Event-stream tuning (short heartbeats, small slow-client bounds). */
    eventStream?: StreamOptions;
  } = {},
): Promise<TestBridge> {
  const logs = captureLogger();
  const bridge = await createBridge({
    // A fresh database on the run's engine unless the test names one (the bridge migrates it as it opens).
    config: testConfig({
      ...options.config,
      dbPath: options.config?.dbPath ?? (await testDbLocation({ migrated: true })),
    }),
    logger: logs.logger,
    clock: options.clock,
    schedule: options.schedule ?? false,
    github: options.github,
    eventStream: options.eventStream,
  });
  afterTest(() => bridge.stop().catch(() => {}));
  const port = await bridge.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    bridge,
    url,
    logs,
    async call(method, path, { token = RUNNER_SECRET, body, rawBody, headers = {} } = {}) {
      const h: Record<string, string> = { ...headers };
      if (token !== null) h.authorization = `Bearer ${token}`;
      let payload: string | undefined = rawBody;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers: h, body: payload });
      const text = await res.text();
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
      let json: any = text;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, json, headers: res.headers };
    },
  };
}

/** The interoperable token exactly as the Python implementation emits it. */
export const PYTHON_TOKEN = {
  id: 'sem-restored',
  reason: 'approval_needed',
  frozen_state: 'dGVzdCBzdGF0ZQ==',
  original_event: 'test_event',
  required_type: null,
  deadline: null,
  escalation: 'team-lead',
  prompt: 'Restore test?',
  options: ['A', 'B'],
  severity: 'critical',
  created_at: '2025-01-01T12:00:00',
  resolved_at: null,
  cancelled_at: null,
  voided_at: null,
} satisfies TokenInput;
