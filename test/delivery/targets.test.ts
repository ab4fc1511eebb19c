import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileConfig, loadConfig } from '../../src/config.js';
import type { DeliveryAllow } from '../../src/config-file.js';
import { checkDeliveryTarget, runnerRules, SANDBOX_DEMO_ALLOW } from '../../src/delivery/targets.js';
import type { Delivery } from '../../src/domain/token.js';
import { ConfigError } from '../../src/errors.js';
import { ADMIN_SECRET, OTHER_SECRET, RUNNER_SECRET, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { startReceiver } from '../helpers/receiver.js';
import { rowCounts } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';

type AllowInput = Partial<Record<keyof DeliveryAllow, unknown>>;

/** A bridge whose `ci` runner has exactly these rules (and `other` none). */
function bridgeWith(allow: AllowInput, delivery?: Delivery): Promise<TestBridge> {
  return startTestBridge({ config: { file: FileConfig.parse({ runners: { ci: { allow, delivery } } }) } });
}

async function create(t: TestBridge, delivery: Delivery, token = RUNNER_SECRET) {
  return t.call('POST', '/v1/tokens', { token, body: { reason: 'approval_needed', prompt: 'Go?', delivery } });
}

/** Creating is refused with a 400 naming `field` and a reason matching `reason`, and nothing is stored. */
async function expectRefused(t: TestBridge, delivery: Delivery, field: string, reason: RegExp, token?: string) {
  const before = await rowCounts(t.bridge.store);
  const res = await create(t, delivery, token);
  expect(res.status, JSON.stringify(delivery)).toBe(400);
  expect(res.json.error.code).toBe('invalid_request');
  expect(res.json.error.issues).toEqual([{ path: field, message: expect.stringMatching(reason) }]);
  expect(await rowCounts(t.bridge.store)).toEqual(before);
}

async function resolve(t: TestBridge, id: string) {
  const res = await t.call('POST', `/v1/tokens/${id}/resolve`, {
    token: ADMIN_SECRET,
    body: { human_input: 'yes', by: 'U0ALICE' },
  });
  expect(res.status).toBe(200);
}

const webhook = (url: string): Delivery => ({ type: 'webhook', url });

describe('webhook targets at create time', () => {
  const notPublic: [string, RegExp][] = [
    ['http://169.254.169.254/latest/meta-data/', /^169\.254\.169\.254 is not a public address \(link-local\)/],
    ['http://127.0.0.1:8080/hook', /^127\.0\.0\.1 is not a public address \(loopback\)/],
    ['http://[::1]/hook', /^::1 is not a public address \(loopback\)/],
    ['http://[::ffff:127.0.0.1]/hook', /^::ffff:7f00:1 is not a public address \(loopback\)/],
    ['http://2130706433/hook', /^127\.0\.0\.1 is not a public address \(loopback\)/],
    ['http://0177.0.0.1/hook', /^127\.0\.0\.1 is not a public address \(loopback\)/],
    ['http://0x7f.1/hook', /^127\.0\.0\.1 is not a public address \(loopback\)/],
    ['http://0.0.0.0:3000/', /^0\.0\.0\.0 is not a public address \(unspecified/],
    ['https://10.1.2.3/', /\(private\)/],
    ['https://172.16.5.4/', /\(private\)/],
    ['https://192.168.1.1/', /\(private\)/],
    ['https://100.64.0.1/', /\(shared \(CGNAT\)\)/],
    ['https://[fd00::1]/', /\(unique-local \(private\)\)/],
    ['https://[fe80::1]/', /\(link-local\)/],
  ];

  it('refuses loopback, link-local, private and other non-public literals by default, naming the field and rule', async () => {
    const t = await startTestBridge();
    for (const [url, reason] of notPublic) {
      await expectRefused(t, webhook(url), 'delivery.url', reason, OTHER_SECRET);
    }
    const res = await create(t, webhook('http://127.0.0.1/'), OTHER_SECRET);
    expect(res.json.error.message).toBe('the delivery target is not allowed for runner "other"');
    expect(res.json.error.issues[0].message).toContain(
      'runner "other" may not reach private networks (runners.other.allow.private_networks)',
    );
  });

  it('allows public hosts over https and http by default (their addresses are judged when the bridge connects)', async () => {
    const t = await startTestBridge();
    for (const url of ['https://hooks.example.com/rodizio', 'http://agents.example.org:8080/x', 'https://8.8.8.8/']) {
      expect((await create(t, webhook(url), OTHER_SECRET)).status, url).toBe(201);
    }
  });

  it('allows the same literals when the runner may reach private networks and names them', async () => {
    const t = await bridgeWith({
      webhook_hosts: ['169.254.169.254', '127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0:3000', '*.corp.example'],
      private_networks: true,
    });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:8080/hook',
      'http://2130706433/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0:3000/',
      'https://hooks.corp.example/',
    ]) {
      expect((await create(t, webhook(url))).status, url).toBe(201);
    }
    await expectRefused(t, webhook('http://0.0.0.0:3001/'), 'delivery.url', /^0\.0\.0\.0:3001 is not a webhook host/);
    await expectRefused(t, webhook('https://10.0.0.1/'), 'delivery.url', /runners\.ci\.allow\.webhook_hosts/);
  });

  it('host and prefix rules: ports, subdomains, user-info tricks and paths are compared parsed', async () => {
    const t = await bridgeWith({
      webhook_hosts: ['hooks.example.com', 'api.example.net:8443', '*.agents.example.org'],
      webhook_prefixes: ['https://relay.example.io/rodizio'],
    });
    for (const url of [
      'https://hooks.example.com/x',
      'http://HOOKS.example.com.:9000/x',
      'https://api.example.net:8443/hook',
      'https://a.b.agents.example.org/',
      'https://relay.example.io/rodizio',
      'https://relay.example.io/rodizio/ci?x=1',
    ]) {
      expect((await create(t, webhook(url))).status, url).toBe(201);
    }
    for (const url of [
      'https://evil.example.net/',
      'https://hooks.example.com@evil.example.net/',
      'https://hooks.example.com.evil.example.net/',
      'https://api.example.net/hook',
      'https://agents.example.org/',
      'https://relay.example.io/rodizio-admin',
      'https://relay.example.io/rodizio/../admin',
      'http://relay.example.io/rodizio',
      'https://relay.example.io:444/rodizio',
    ]) {
      await expectRefused(t, webhook(url), 'delivery.url', /is not a webhook host runner "ci" may use/);
    }
  });

  it('trusts the runner default from the config file, also when a token names it', async () => {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await bridgeWith({}, webhook(receiver.url));
    const named = await create(t, webhook(receiver.url));
    expect(named.status).toBe(201);
    const arrived = receiver.next();
    await resolve(t, named.json.id);
    expect((await arrived).verified).toBe(true);
    await expectRefused(t, webhook(`${receiver.url}/other`), 'delivery.url', /not a public address \(loopback\)/);
  });
});

describe('webhook targets at connect time', () => {
  async function deliverVia(allow: AllowInput) {
    const receiver = await startReceiver(RUNNER_SECRET);
    const t = await bridgeWith(allow);
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const created = await create(t, webhook(url));
    expect(created.status).toBe(201);
    await resolve(t, created.json.id);
    await t.bridge.worker.drain();
    const [job] = await t.bridge.purgatory.store.outbox.list({ kind: 'deliver.', limit: 5 });
    return { t, receiver, job, id: created.json.id as string };
  }

  it('a host allowed by name that resolves to loopback is refused when the bridge connects: dead at once, nothing sent', async () => {
    const { t, receiver, job, id } = await deliverVia({ webhook_hosts: ['localhost'] });
    expect(receiver.received).toHaveLength(0);
    expect(job).toMatchObject({ status: 'dead', attempts: 1 });
    expect(job?.last_error).toBe(
      'webhook refused: localhost resolves to 127.0.0.1, not a public address (loopback); runner "ci" may not reach private networks (runners.ci.allow.private_networks)',
    );
    expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).toContain('delivery_dead');
  });

  it('the same host is delivered to when the runner may reach private networks', async () => {
    const { receiver, job, id } = await deliverVia({ webhook_hosts: ['localhost'], private_networks: true });
    expect(job).toMatchObject({ status: 'done' });
    expect(receiver.accepted.has(id)).toBe(true);
  });

  it('the URL is checked again before each POST: a stored target the rules refuse now is dead, not sent', async () => {
    const t = await startTestBridge();
    const created = await create(t, webhook('https://hooks.example.com/rodizio'), OTHER_SECRET);
    expect(created.status).toBe(201);
    // The stored target is rewritten behind the API's back. The token is still pending, so the repo's
    // reassign (which writes `ext` as given) can do it on either engine.
    const row = await t.bridge.store.tokens.get(created.json.id);
    if (!row) throw new Error('the token was not stored');
    const ext = JSON.parse(row.ext);
    ext.delivery.url = 'http://169.254.169.254/latest/meta-data/';
    expect(
      await t.bridge.store.tokens.reassign({
        id: row.id,
        ext: JSON.stringify(ext),
        slack_channel_id: row.slack_channel_id,
        slack_ts: row.slack_ts,
      }),
    ).toBe(true);
    await resolve(t, created.json.id);
    await t.bridge.worker.drain();
    const [job] = await t.bridge.purgatory.store.outbox.list({ kind: 'deliver.', limit: 5 });
    expect(job).toMatchObject({ status: 'dead', attempts: 1 });
    expect(job?.last_error).toMatch(/^webhook refused: 169\.254\.169\.254 is not a public address \(link-local\)/);
  });
});

describe('file and reply-file targets', () => {
  function layout() {
    const root = tempDir();
    const allowed = join(root, 'allowed');
    const outside = join(root, 'outside');
    mkdirSync(allowed);
    mkdirSync(outside);
    writeFileSync(join(outside, 'bashrc'), 'original\n');
    symlinkSync(outside, join(allowed, 'link'));
    symlinkSync(join(outside, 'bashrc'), join(allowed, 'replies.txt'));
    return { allowed, outside };
  }

  it('refuses them without file_dirs, and paths that escape by .., by a symlink, or lie outside', async () => {
    const { allowed, outside } = layout();
    const none = await startTestBridge();
    await expectRefused(
      none,
      { type: 'file', dir: allowed },
      'delivery.dir',
      /^file targets are not allowed for runner "other" \(runners\.other\.allow\.file_dirs is empty\)$/,
      OTHER_SECRET,
    );
    await expectRefused(
      none,
      { type: 'reply_file', path: join(homedir(), '.bashrc') },
      'delivery.path',
      /not allowed/,
      OTHER_SECRET,
    );

    const t = await bridgeWith({ file_dirs: [allowed] });
    const outsideMsg = /is outside the folders runner "ci" may write to \(runners\.ci\.allow\.file_dirs\)$/;
    await expectRefused(t, { type: 'file', dir: `${allowed}/../outside` }, 'delivery.dir', outsideMsg);
    await expectRefused(
      t,
      { type: 'reply_file', path: `${allowed}/x/../../outside/bashrc` },
      'delivery.path',
      outsideMsg,
    );
    await expectRefused(t, { type: 'file', dir: outside }, 'delivery.dir', outsideMsg);
    await expectRefused(t, { type: 'reply_file', path: join(homedir(), '.bashrc') }, 'delivery.path', outsideMsg);
    await expectRefused(t, { type: 'reply_file', path: '~/.bashrc' }, 'delivery.path', /^must be an absolute path$/);
    await expectRefused(t, { type: 'reply_file', path: allowed }, 'delivery.path', outsideMsg);
    const viaLink = /leads through a symlink to .*outside.*, outside the folders runner "ci" may write to/;
    await expectRefused(t, { type: 'file', dir: join(allowed, 'link') }, 'delivery.dir', viaLink);
    await expectRefused(t, { type: 'file', dir: join(allowed, 'link', 'new', 'deeper') }, 'delivery.dir', viaLink);
    await expectRefused(t, { type: 'reply_file', path: join(allowed, 'replies.txt') }, 'delivery.path', viaLink);
    await expectRefused(t, { type: 'reply_file', path: join(allowed, 'link', 'r.txt') }, 'delivery.path', viaLink);
    expect(readFileSync(join(outside, 'bashrc'), 'utf8')).toBe('original\n');
  });

  it('delivers inside an allowed folder, also into folders that do not exist yet, and through a symlinked allowed folder', async () => {
    const { allowed, outside } = layout();
    const t = await bridgeWith({ file_dirs: [allowed, join(allowed, 'link')] });
    const dir = join(allowed, 'inbox', 'ci');
    const inFolder = await create(t, { type: 'file', dir });
    const replies = join(allowed, 'replies', 'dev-web-12.replies');
    const inFile = await create(t, { type: 'reply_file', path: replies });
    const viaLink = await create(t, { type: 'file', dir: join(allowed, 'link', 'drop') });
    expect([inFolder.status, inFile.status, viaLink.status]).toEqual([201, 201, 201]);
    for (const c of [inFolder, inFile, viaLink]) await resolve(t, c.json.id);
    await t.bridge.worker.drain();
    expect(JSON.parse(readFileSync(join(dir, `${inFolder.json.id}.json`), 'utf8'))).toMatchObject({
      token_id: inFolder.json.id,
      human_input: 'yes',
    });
    expect(readFileSync(replies, 'utf8')).toMatch(/\tU0ALICE\tyes\n$/);
    expect(existsSync(join(outside, 'drop', `${viaLink.json.id}.json`))).toBe(true);
  });
});

describe('file targets on another host', () => {
  it("are judged by their path alone when created here; this machine's symlinks say nothing about that disk", async () => {
    const root = tempDir();
    const allowed = join(root, 'allowed');
    mkdirSync(allowed);
    mkdirSync(join(root, 'outside'));
    symlinkSync(join(root, 'outside'), join(allowed, 'link'));
    const t = await startTestBridge({
      config: { hostId: 'host-a', file: FileConfig.parse({ runners: { ci: { allow: { file_dirs: [allowed] } } } }) },
    });
    const throughLink = join(allowed, 'link', 'inbox');
    // On this host the link leads outside: refused, as before.
    await expectRefused(
      t,
      { type: 'file', dir: throughLink, host: 'host-a' },
      'delivery.dir',
      /leads through a symlink/,
    );
    await expectRefused(t, { type: 'file', dir: throughLink }, 'delivery.dir', /leads through a symlink/);
    // On host-b the same path is a plain folder under file_dirs as far as this replica can tell.
    expect((await create(t, { type: 'file', dir: throughLink, host: 'host-b' })).status).toBe(201);
    // The path rules still apply to it.
    await expectRefused(
      t,
      { type: 'file', dir: join(root, 'elsewhere'), host: 'host-b' },
      'delivery.dir',
      /is outside the folders runner "ci" may write to/,
    );
  });
});

describe('tmux targets', () => {
  it('are refused unless a glob allows the session name', async () => {
    const none = await startTestBridge();
    await expectRefused(
      none,
      { type: 'tmux', session: 'dev-web-12' },
      'delivery.session',
      /^tmux session "dev-web-12" is not allowed for runner "other" \(runners\.other\.allow\.tmux_sessions\)$/,
      OTHER_SECRET,
    );
    const t = await bridgeWith({ tmux_sessions: ['dev-*', 'agent-?'] });
    for (const session of ['dev-web-12', 'dev-', 'agent-7']) {
      expect((await create(t, { type: 'tmux', session })).status, session).toBe(201);
    }
    for (const session of ['prod-1', 'agent-12', 'xdev-web', 'dev.web']) {
      await expectRefused(t, { type: 'tmux', session }, 'delivery.session', /is not allowed for runner "ci"/);
    }
  });
});

describe('runnerRules', () => {
  it('gives the sandbox demo runner loopback webhooks and tmux sessions, in sandbox mode only, unless configured', () => {
    const file = FileConfig.parse({});
    const demo = runnerRules({ file, sandbox: true }, 'demo');
    expect(demo.allow).toBe(SANDBOX_DEMO_ALLOW);
    expect(checkDeliveryTarget(demo, webhook('http://127.0.0.1:9999/hook'))).toBeUndefined();
    expect(checkDeliveryTarget(demo, { type: 'tmux', session: 'dev-demo-1' })).toBeUndefined();
    expect(checkDeliveryTarget(demo, { type: 'file', dir: '/tmp/x' })?.field).toBe('delivery.dir');
    expect(checkDeliveryTarget(demo, webhook('http://169.254.169.254/'))?.reason).toMatch(/not a webhook host/);
    expect(runnerRules({ file, sandbox: false }, 'demo').allow.private_networks).toBe(false);
    expect(runnerRules({ file, sandbox: true }, 'ci').allow.private_networks).toBe(false);
    const own = FileConfig.parse({ runners: { demo: { allow: { tmux_sessions: ['mine'] } } } });
    expect(runnerRules({ file: own, sandbox: true }, 'demo').allow.webhook_hosts).toBeUndefined();
  });
});

describe('delivery rules in the config file', () => {
  const bad: [unknown, RegExp][] = [
    [{ webhook_hosts: ['https://hooks.example.com'] }, /runners\.ci\.allow\.webhook_hosts\.0: "https:\/\/hooks/],
    [{ webhook_hosts: ['hooks.example.com:99999'] }, /runners\.ci\.allow\.webhook_hosts\.0: .*port must be 1 to 65535/],
    [{ webhook_hosts: ['*.10.0.0.1'] }, /runners\.ci\.allow\.webhook_hosts\.0: .*not an IP address/],
    [{ webhook_prefixes: ['ftp://files.example.com/'] }, /runners\.ci\.allow\.webhook_prefixes\.0: .*http/],
    [{ webhook_prefixes: ['https://u:p@hooks.example.com/'] }, /webhook_prefixes\.0: .*user name or password/],
    [{ webhook_prefixes: ['https://hooks.example.com/?a=1'] }, /webhook_prefixes\.0: .*query or fragment/],
    [{ private_networks: true }, /runners\.ci\.allow\.private_networks: needs webhook_hosts or webhook_prefixes/],
    [{ private_networks: true, webhook_hosts: ['*'] }, /runners\.ci\.allow\.webhook_hosts: "\*" with private_networks/],
    [{ private_networks: 'yes' }, /runners\.ci\.allow\.private_networks/],
    [{ file_dirs: ['relative/dir'] }, /runners\.ci\.allow\.file_dirs\.0: must be an absolute path/],
    [{ tmux_sessions: ['dev web'] }, /runners\.ci\.allow\.tmux_sessions\.0: must be a tmux session name or a glob/],
    [{ webhooks: ['x'] }, /runners\.ci\.allow: Unrecognized key: "webhooks"/],
  ];
  for (const [allow, message] of bad) {
    it(`refuses to start with ${JSON.stringify(allow)}, naming the key`, () => {
      const file = join(tempDir(), 'rodizio.json');
      writeFileSync(file, JSON.stringify({ runners: { ci: { allow } } }));
      expect(() => loadConfig({ RODIZIO_CONFIG: file })).toThrow(ConfigError);
      expect(() => loadConfig({ RODIZIO_CONFIG: file })).toThrow(message);
    });
  }

  it('reads good rules with their defaults', () => {
    const file = join(tempDir(), 'rodizio.json');
    writeFileSync(
      file,
      JSON.stringify({
        runners: { ci: { allow: { webhook_hosts: ['[::1]:8080', '*.example.com'], private_networks: true } } },
      }),
    );
    expect(loadConfig({ RODIZIO_CONFIG: file }).file.runners.ci?.allow).toEqual({
      webhook_hosts: ['[::1]:8080', '*.example.com'],
      private_networks: true,
      file_dirs: [],
      tmux_sessions: [],
    });
  });
});
