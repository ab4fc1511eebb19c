import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { tempDir } from './helpers/temp.js';

describe('loadConfig', () => {
  it('applies the documented defaults; without Slack credentials the sandbox is on', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.slack).toMatchObject({ botToken: 'xoxb-sandbox', channel: 'C0AGENTS', escalationChannel: 'C0ONCALL' });
    expect(loadConfig({ RODIZIO_SANDBOX: '0' })).toMatchObject({ sandbox: false, slack: undefined });
    const real = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_CHANNEL: 'C1' });
    expect(real.sandbox).toBe(false);
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_CHANNEL: 'C1', RODIZIO_SANDBOX: '1' })
        .sandbox,
    ).toBe(true);
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', dbPath: './data/rodizio.db', logLevel: 'info' });
    expect(c.apiTokens.size).toBe(0);
    expect(c.file).toEqual({ projects: {}, runners: {}, escalation_targets: {}, severity_channels: {}, rules: [] });
  });

  it('parses runner tokens', () => {
    const c = loadConfig({ RODIZIO_API_TOKENS: 'ci:s3cret, nightly-2:other:with:colons', PORT: '8080' });
    expect([...c.apiTokens]).toEqual([
      ['ci', 's3cret'],
      ['nightly-2', 'other:with:colons'],
    ]);
    expect(c.port).toBe(8080);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'chatty' }, /LOG_LEVEL/],
    [{ RODIZIO_API_TOKENS: 'justasecret' }, /RODIZIO_API_TOKENS: entry 1 must look like runner:secret/],
    [{ RODIZIO_API_TOKENS: 'a:1,a:2' }, /runner "a" is listed twice/],
    [{ RODIZIO_API_TOKENS: 'bad name:1' }, /runner name "bad name"/],
    [{ RODIZIO_CONFIG: '/nonexistent/rodizio.json' }, /RODIZIO_CONFIG: cannot read/],
    [{ RENOTIFY_INTERVAL: 'often' }, /RENOTIFY_INTERVAL: "often" is not a duration/],
    [{ RENOTIFY_INTERVAL: '10s' }, /RENOTIFY_INTERVAL: "10s" is too short: at least 60s/],
    [{ BLOCKED_AFTER: '-1h' }, /BLOCKED_AFTER: "-1h" is not a duration/],
    [{ GC_RETENTION: 'forever' }, /GC_RETENTION/],
    [{ DEADLINE_SCHEDULE: 'every minute' }, /DEADLINE_SCHEDULE: "every minute" is not a cron expression/],
    [{ GC_SCHEDULE: '61 * * * *' }, /GC_SCHEDULE: "61 \* \* \* \*" is not a cron expression/],
    [{ DEFAULT_EXPIRY_POLICY: 'resolve:yes' }, /DEFAULT_EXPIRY_POLICY: must be "escalate" or "expire"/],
    [{ UNBLOCK_ON_ANSWER: 'maybe' }, /UNBLOCK_ON_ANSWER/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, /SLACK_CHANNEL: is required with SLACK_BOT_TOKEN/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: 'C1' }, /SLACK_SIGNING_SECRET: is required with SLACK_BOT_TOKEN/],
    [
      { SLACK_BOT_TOKEN: 'xoxp-user', SLACK_CHANNEL: 'C1', SLACK_SIGNING_SECRET: 's' },
      /SLACK_BOT_TOKEN: must be a bot token/,
    ],
    [{ SLACK_CHANNEL: 'C1' }, /SLACK_BOT_TOKEN: is required when SLACK_CHANNEL is set/],
    [{ GITHUB_APP_ID: '12' }, /GITHUB_APP_PRIVATE_KEY: is required for GitHub App authentication/],
    [
      { GITHUB_TOKEN: 't', GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'k', GITHUB_APP_INSTALLATION_ID: '2' },
      /GITHUB_TOKEN: set either/,
    ],
    [{ GITHUB_API_URL: 'ftp://ghe' }, /GITHUB_API_URL/],
    [{ RODIZIO_DB: 'postgres://user@[bad' }, /RODIZIO_DB: a postgres:\/\/ URL must be a valid URL/],
    [{ RODIZIO_HOST_ID: 'x'.repeat(201) }, /RODIZIO_HOST_ID/],
    [{ RODIZIO_HOST_ID: 'host b!' }, /RODIZIO_HOST_ID: must be a host id/],
  ];
  for (const [env, message] of bad) {
    it(`names the variable for ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  }

  it('reads follow-up settings, schedules and GitHub settings', () => {
    const c = loadConfig({
      RENOTIFY_INTERVAL: '2h',
      DEADLINE_WARNING: '0',
      DEFAULT_EXPIRY_POLICY: 'expire',
      UNBLOCK_ON_ANSWER: 'false',
      GC_SCHEDULE: '0 4 * * 0',
      GITHUB_TOKEN: 'ghp_x',
      GITHUB_API_URL: 'https://ghe.acme.dev/api/v3',
    });
    expect(c.followups).toEqual({
      renotifyIntervalMs: 7_200_000,
      blockedAfterMs: 86_400_000,
      gcRetentionMs: 30 * 86_400_000,
      claimLeaseMs: 7_200_000,
      deadlineWarningMs: 0,
      defaultExpiryPolicy: 'expire',
      unblockOnAnswer: false,
    });
    expect(c.schedules).toEqual({
      deadlines: '* * * * *',
      renotify: '*/5 * * * *',
      blocked: '*/10 * * * *',
      gc: '0 4 * * 0',
      refs: '* * * * *',
    });
    expect(c.github).toEqual({
      apiUrl: 'https://ghe.acme.dev/api/v3',
      auth: { kind: 'token', token: 'ghp_x' },
      blockedLabel: 'blocked',
    });
    expect(c.githubWebUrl).toBe('https://ghe.acme.dev');
    const app = loadConfig({
      GITHUB_APP_ID: '12',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN-----\\nabc\\n-----END-----',
      GITHUB_APP_INSTALLATION_ID: '34',
    });
    expect(app.github?.auth).toEqual({
      kind: 'app',
      appId: 12,
      privateKey: '-----BEGIN-----\nabc\n-----END-----',
      installationId: 34,
    });
  });

  it('validates the RODIZIO_CONFIG file and names the bad key', () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ projects: { web: { channel: 'C1', repo: 'acme/web', answerers: { users: ['U0AAA1'] } } } }),
    );
    expect(loadConfig({ RODIZIO_CONFIG: good }).file.projects.web).toMatchObject({ repo: 'acme/web' });

    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ projects: ');
    expect(() => loadConfig({ RODIZIO_CONFIG: notJson })).toThrow(/RODIZIO_CONFIG: .* is not valid JSON/);

    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ projects: { web: { repo: 'not a repo', chanel: 'C1' } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: wrong })).toThrow(/projects\.web\.repo: must look like owner\/repo/);
    expect(() => loadConfig({ RODIZIO_CONFIG: wrong })).toThrow(/projects\.web: Unrecognized key: "chanel"/);

    const badHost = join(dir, 'host.json');
    writeFileSync(badHost, JSON.stringify({ runners: { ci: { host: 'build 1; rm' } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: badHost })).toThrow(/runners\.ci\.host: must be a host id/);

    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ projects: { web: { expiry_policy: 'ignore' } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: policy })).toThrow(
      /projects\.web\.expiry_policy: must be "escalate" or "expire"/,
    );
  });
});
