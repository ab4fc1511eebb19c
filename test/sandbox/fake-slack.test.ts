import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  createFakeSlack,
  type FakeSlack,
  type FakeSlackChange,
  type FakeSlackOptions,
} from '../../src/sandbox/fake-slack.js';

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

const running: FakeSlack[] = [];

afterEach(async () => {
  for (const fake of running.splice(0)) await fake.stop();
});

async function startFake(options: FakeSlackOptions = {}, clientOptions: WebClientOptions = {}, token = 'xoxb-test') {
  const fake = createFakeSlack(options);
  running.push(fake);
  await fake.start();
  const client = new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: quiet,
    ...clientOptions,
  });
  return { fake, client };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const decideBlocks = [
  section('*Deploy to prod?*'),
  {
    type: 'actions',
    block_id: 'decide',
    elements: [
      {
        type: 'button',
        action_id: 'approve',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'yes',
        style: 'primary',
      },
      { type: 'button', action_id: 'reject', text: { type: 'plain_text', text: 'Reject' }, value: 'no' },
    ],
  },
];
const modal = {
  type: 'modal',
  callback_id: 'answer',
  title: { type: 'plain_text', text: 'Answer' },
  submit: { type: 'plain_text', text: 'Send' },
  blocks: [
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Why?' },
      element: { type: 'plain_text_input', action_id: 'reason' },
    },
  ],
};

describe('fake Slack over the real WebClient', () => {
  it('answers auth.test like Slack', async () => {
    const { fake, client } = await startFake();
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      team_id: 'T0SANDBOX',
      user_id: 'UBOT',
      bot_id: 'BBOT',
      url: `${fake.baseUrl}/`,
    });
  });

  it('posts, threads, broadcasts and updates messages with Slack-shaped answers', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const { fake, client } = await startFake({ clock });
    const parent = await client.chat.postMessage({
      channel: 'C0DEPLOY',
      text: 'Deploy to prod?',
      blocks: decideBlocks,
    });
    expect(parent).toMatchObject({ ok: true, channel: 'C0DEPLOY', ts: '1767225600.000000' });
    expect(parent.message).toMatchObject({ type: 'message', bot_id: 'BBOT', user: 'UBOT', text: 'Deploy to prod?' });
    const parentTs = parent.ts ?? '';

    // The clock stands still: ts values still strictly increase.
    const reply = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'first reply', thread_ts: parentTs });
    const broadcast = await client.chat.postMessage({
      channel: 'C0DEPLOY',
      text: 'also in channel',
      thread_ts: parentTs,
      reply_broadcast: true,
    });
    expect(reply.ts).toBe('1767225600.000001');
    expect(broadcast.ts).toBe('1767225600.000002');
    expect(fake.messages('C0DEPLOY').map((m) => m.text)).toEqual(['Deploy to prod?', 'also in channel']);
    expect(fake.thread('C0DEPLOY', parentTs).map((m) => m.text)).toEqual(['first reply', 'also in channel']);
    expect(fake.message('C0DEPLOY', parentTs)).toMatchObject({
      thread_ts: parentTs,
      reply_count: 2,
      reply_users: ['UBOT'],
      latest_reply: broadcast.ts,
      replies: [
        { user: 'UBOT', ts: reply.ts },
        { user: 'UBOT', ts: broadcast.ts },
      ],
    });
    expect(fake.message('C0DEPLOY', reply.ts ?? '')).toMatchObject({ thread_ts: parentTs, parent_user_id: 'UBOT' });

    // Slack fills in action ids and block ids that were left out.
    const stored = fake.message('C0DEPLOY', parentTs);
    expect(stored?.blocks?.[0]?.block_id).toEqual(expect.any(String));
    expect(stored?.blocks?.[1]?.block_id).toBe('decide');

    clock.advance(5000);
    const updated = await client.chat.update({
      channel: 'C0DEPLOY',
      ts: parentTs,
      text: 'Approved',
      blocks: [section('Approved')],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0DEPLOY', ts: parentTs, text: 'Approved' });
    expect(fake.message('C0DEPLOY', parentTs)).toMatchObject({
      text: 'Approved',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved' } }],
      edited: { user: 'UBOT', ts: '1767225605.000000' },
      reply_count: 2,
    });
    // Text alone keeps the blocks, as chat.update does.
    await client.chat.update({ channel: 'C0DEPLOY', ts: parentTs, text: 'Approved by alice' });
    expect(fake.message('C0DEPLOY', parentTs)?.blocks).toHaveLength(1);

    const link = await client.chat.getPermalink({ channel: 'C0DEPLOY', message_ts: parentTs });
    expect(link.permalink).toBe(`${fake.baseUrl}/archives/C0DEPLOY/p1767225600000000`);
    const replyLink = await client.chat.getPermalink({ channel: 'C0DEPLOY', message_ts: reply.ts ?? '' });
    expect(replyLink.permalink).toBe(
      `${fake.baseUrl}/archives/C0DEPLOY/p1767225600000001?thread_ts=${parentTs}&cid=C0DEPLOY`,
    );
    expect(fake.allMessages().map((m) => m.message.ts)).toEqual([parentTs, reply.ts, broadcast.ts]);

    expect(fake.callsTo('chat.postMessage')[0]?.args).toMatchObject({ channel: 'C0DEPLOY', blocks: decideBlocks });
  });

  it('keeps ephemerals apart and answers DMs addressed by user id', async () => {
    const { fake, client } = await startFake();
    const eph = await client.chat.postEphemeral({ channel: 'C0DEPLOY', user: 'U0ALICE', text: 'only you' });
    expect(eph).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(fake.ephemerals).toEqual([
      expect.objectContaining({ channel: 'C0DEPLOY', user: 'U0ALICE', text: 'only you', via: 'chat.postEphemeral' }),
    ]);
    expect(fake.messages('C0DEPLOY')).toEqual([]);

    const dm = await client.chat.postMessage({ channel: 'U0BOB', text: 'psst' });
    expect(dm.channel).toBe('D0BOB');
    expect(fake.messages('D0BOB').map((m) => m.text)).toEqual(['psst']);
    const info = await client.conversations.info({ channel: 'D0BOB' });
    expect(info.channel).toMatchObject({ id: 'D0BOB', is_im: true, user: 'U0BOB' });
  });

  it('refuses what Slack refuses', async () => {
    const { fake, client } = await startFake({ channels: { C0DEPLOY: 'deploys' } });
    const tooMany = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    await expect(client.chat.postMessage({ channel: 'C0DEPLOY', text: 'long', blocks: tooMany })).rejects.toMatchObject(
      {
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: 'invalid_blocks', errors: ['blocks: 51 blocks, limit 50'] },
      },
    );
    await expect(client.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'hi' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(client.chat.update({ channel: 'C0DEPLOY', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    const human = fake.addMessage('C0DEPLOY', { user: 'U0ALICE', text: 'mine' });
    await expect(client.chat.update({ channel: 'C0DEPLOY', ts: human.ts, text: 'x' })).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
    await expect(client.apiCall('chat.teleport', {})).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    expect(fake.messages('C0DEPLOY').map((m) => m.text)).toEqual(['mine']);
    expect((await client.conversations.info({ channel: 'C0DEPLOY' })).channel).toMatchObject({ name: 'deploys' });
  });

  it('opens, updates and publishes views with trigger ids it issued itself', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const { fake, client } = await startFake({ clock });
    await expect(client.views.open({ trigger_id: '123.456.abc', view: modal as never })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });

    const stale = fake.issueTriggerId('U0ALICE');
    clock.advance(3001);
    await expect(client.views.open({ trigger_id: stale, view: modal as never })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });

    const trigger = fake.issueTriggerId('U0ALICE');
    const opened = await client.views.open({ trigger_id: trigger, view: modal as never });
    const view = opened.view ?? {};
    expect(view).toMatchObject({ type: 'modal', callback_id: 'answer', state: { values: {} }, root_view_id: view.id });
    expect(view.id).toMatch(/^V[0-9A-Z]+$/);
    expect(fake.views.get(view.id ?? '')).toMatchObject({ kind: 'modal', user: 'U0ALICE', open: true });
    // A trigger works once.
    await expect(client.views.open({ trigger_id: trigger, view: modal as never })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });

    await expect(
      client.views.update({ view_id: view.id ?? '', hash: 'stale.hash', view: modal as never }),
    ).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
    const longTitle = { ...modal, title: { type: 'plain_text', text: 'A title far longer than Slack allows' } };
    await expect(client.views.update({ view_id: view.id ?? '', view: longTitle as never })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    const renamed = { ...modal, title: { type: 'plain_text', text: 'Answer now' } };
    const updated = await client.views.update({
      view_id: view.id ?? '',
      hash: view.hash ?? '',
      view: renamed as never,
    });
    expect(updated.view).toMatchObject({ id: view.id, title: { text: 'Answer now' } });
    expect(updated.view?.hash).not.toBe(view.hash);

    const home = { type: 'home', blocks: [section('Your queue is empty')] };
    const published = await client.views.publish({ user_id: 'U0BOB', view: home as never });
    expect(published.view).toMatchObject({ type: 'home', blocks: [{ type: 'section' }] });
    expect(fake.homeView('U0BOB')).toMatchObject({ id: published.view?.id, type: 'home' });
  });

  it('answers directory lookups', async () => {
    const { fake, client } = await startFake({ usergroups: { S0REVIEW: ['U0ALICE'] } });
    expect((await client.usergroups.users.list({ usergroup: 'S0REVIEW' })).users).toEqual(['U0ALICE']);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
    const alice = await client.users.info({ user: 'U0ALICE' });
    expect(alice.user).toMatchObject({ id: 'U0ALICE', name: 'alice', profile: { display_name: 'alice' } });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    fake.addUser('U0ERIN', { name: 'erin', real_name: 'Erin Estrela' });
    fake.addUsergroup('S0NEW', ['U0ERIN']);
    expect((await client.users.info({ user: 'U0ERIN' })).user?.real_name).toBe('Erin Estrela');
    expect((await client.usergroups.users.list({ usergroup: 'S0NEW' })).users).toEqual(['U0ERIN']);
  });

  it('checks the bot token', async () => {
    const { client } = await startFake({ botToken: 'xoxb-right' }, {}, 'xoxb-wrong');
    await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    const right = await startFake({ botToken: 'xoxb-right' }, {}, 'xoxb-right');
    await expect(right.client.auth.test()).resolves.toMatchObject({ ok: true });
    const anyBot = await startFake({}, {}, 'xoxp-user-token');
    await expect(anyBot.client.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('accepts JSON bodies with a bearer token', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-json' },
      body: JSON.stringify({ channel: 'C0JSON', text: 'hi', blocks: [section('hi')] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0JSON' });
    expect(fake.messages('C0JSON')[0]?.blocks).toHaveLength(1);
  });
});

describe('fault injection', () => {
  it('answers 429 with Retry-After, then normally', async () => {
    const { fake, client } = await startFake();
    fake.inject('chat.postMessage', { status: 429, retryAfter: 7 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    expect(fake.messages('C1')).toEqual([]);
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).resolves.toMatchObject({ ok: true });
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('answers 5xx, platform errors and faults on any method', async () => {
    const { fake, client } = await startFake();
    fake.inject('chat.update', { status: 500 });
    fake.inject('*', { error: 'fatal_error' }, 2);
    await expect(client.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 500,
    });
    await expect(client.auth.test()).rejects.toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { error: 'fatal_error' },
    });
    await expect(client.users.info({ user: 'U0ALICE' })).rejects.toMatchObject({ data: { error: 'fatal_error' } });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('answers slowly: a client timeout fails while the fake still does the work, as Slack would', async () => {
    const { fake, client } = await startFake({}, { timeout: 30 });
    fake.inject('chat.postMessage', { delayMs: 150 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'slow' })).rejects.toMatchObject({
      code: 'slack_webapi_request_error',
    });
    const stored = await fake.waitFor(() => fake.messages('C1')[0]);
    expect(stored.text).toBe('slow');
  });

  it('rate-limits a share of calls with an injected random source, until cleared', async () => {
    const { fake, client } = await startFake();
    const draws = [0.1, 0.9, 0.2];
    fake.rateLimit('chat.postMessage', 0.5, 3, () => draws.shift() ?? 1);
    const outcomes: string[] = [];
    for (const n of [1, 2, 3]) {
      outcomes.push(
        await client.chat.postMessage({ channel: 'C1', text: `n${n}` }).then(
          () => 'ok',
          (err: { code?: string }) => err.code ?? 'unknown',
        ),
      );
    }
    expect(outcomes).toEqual(['slack_webapi_rate_limited_error', 'ok', 'slack_webapi_rate_limited_error']);
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['n2']);
    fake.clearFaults();
    await expect(client.chat.postMessage({ channel: 'C1', text: 'n4' })).resolves.toMatchObject({ ok: true });
  });
});

describe('response_url and subscriptions', () => {
  it('replaces, deletes, posts in channel and answers ephemerally through response_urls', async () => {
    const { fake, client } = await startFake();
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'Deploy?', blocks: decideBlocks });
    const ts = posted.ts ?? '';
    const url = fake.createResponseUrl({ channel: 'C1', user: 'U0ALICE', message_ts: ts });
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await post({ text: 'Only you see this' })).status).toBe(200);
    expect(fake.ephemerals.at(-1)).toMatchObject({ user: 'U0ALICE', text: 'Only you see this', via: 'response_url' });
    await post({ replace_original: true, text: 'Approved', blocks: [section('Approved')] });
    expect(fake.message('C1', ts)).toMatchObject({ text: 'Approved', blocks: [{ type: 'section' }] });
    await post({ response_type: 'in_channel', text: 'Deploying now' });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['Approved', 'Deploying now']);
    await post({ delete_original: true });
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['Deploying now']);
    expect(fake.responses.map((r) => r.via)).toEqual(['response_url', 'response_url', 'response_url', 'response_url']);
    expect((await fetch(`${fake.baseUrl}/response/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('tells subscribers about every change until they unsubscribe', async () => {
    const { fake, client } = await startFake();
    const seen: FakeSlackChange[] = [];
    const unsubscribe = fake.subscribe((c) => seen.push(c));
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'one' });
    await client.chat.update({ channel: 'C1', ts: posted.ts ?? '', text: 'two' });
    expect(seen).toEqual([
      { kind: 'message', channel: 'C1', ts: posted.ts },
      { kind: 'call', method: 'chat.postMessage' },
      { kind: 'message_changed', channel: 'C1', ts: posted.ts },
      { kind: 'call', method: 'chat.update' },
    ]);
    unsubscribe();
    await client.chat.postMessage({ channel: 'C1', text: 'three' });
    expect(seen).toHaveLength(4);
  });
});
