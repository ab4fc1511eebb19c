import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  type BlockAction,
  type ButtonAction,
  HTTPReceiver,
  LogLevel,
  type SlashCommand,
  type StaticSelectAction,
  type ViewSubmitAction,
} from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeSlack, type FakeSlack } from '../../src/sandbox/fake-slack.js';
import { signSlackRequest } from '../../src/sandbox/signing.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack-driver.js';

const SIGNING_SECRET = 'sandbox-signing-secret';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Things a listener saw, with a way to wait for the n-th: Bolt acks events before their listeners run. */
function inbox<T>() {
  const items: T[] = [];
  let wake = () => {};
  return {
    items,
    push(item: T) {
      items.push(item);
      wake();
    },
    async nth(n: number): Promise<T> {
      while (items.length < n) await new Promise<void>((resolve) => (wake = resolve));
      return items[n - 1] as T;
    },
  };
}

/** A real Bolt app behind its own HTTPReceiver on a loopback port, talking to a fresh fake Slack. */
async function startBot(register: (app: App) => void): Promise<{ fake: FakeSlack; driver: SlackDriver; app: App }> {
  const fake = createFakeSlack();
  await fake.start();
  cleanups.push(() => fake.stop());
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    token: 'xoxb-test',
    receiver,
    botId: 'BBOT',
    botUserId: 'UBOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  register(app);
  const server = createServer(receiver.requestListener);
  const port = await listen(server);
  cleanups.push(() => close(server));
  const driver = createSlackDriver({
    fake,
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
  });
  return { fake, driver, app };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } }) as const;
const button = (action_id: string, text: string, value: string, style?: 'primary' | 'danger') =>
  ({ type: 'button', action_id, text: { type: 'plain_text', text }, value, ...(style ? { style } : {}) }) as const;
const decideBlocks = [
  section('*Deploy to prod?*'),
  {
    type: 'actions',
    block_id: 'decide',
    elements: [button('approve', 'Approve', 'yes', 'primary'), button('reject', 'Reject', 'no')],
  },
] as const;
const option = (value: string, text: string) => ({ text: { type: 'plain_text', text }, value }) as const;
const answerModal = {
  type: 'modal',
  callback_id: 'answer',
  private_metadata: 'sem-1234abcd',
  title: { type: 'plain_text', text: 'Answer' },
  submit: { type: 'plain_text', text: 'Send' },
  blocks: [
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Why?' },
      element: { type: 'plain_text_input', action_id: 'reason_input' },
    },
    {
      type: 'input',
      block_id: 'choice',
      label: { type: 'plain_text', text: 'Pick' },
      element: { type: 'static_select', action_id: 'choice_select', options: [option('a', 'A'), option('b', 'B')] },
    },
    {
      type: 'input',
      block_id: 'tags',
      optional: true,
      label: { type: 'plain_text', text: 'Tags' },
      element: { type: 'checkboxes', action_id: 'tags_boxes', options: [option('x', 'X'), option('y', 'Y')] },
    },
    {
      type: 'input',
      block_id: 'count',
      optional: true,
      label: { type: 'plain_text', text: 'How many?' },
      element: { type: 'number_input', action_id: 'count_input', is_decimal_allowed: false },
    },
  ],
} as const;

describe('signSlackRequest', () => {
  it("matches Slack's published test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });
});

describe('the driver against a real Bolt app', () => {
  it('clicks a button: Bolt gets a block_actions payload shaped like Slack’s, and its Web API calls land in the fake', async () => {
    const clicks = inbox<BlockAction<ButtonAction>>();
    const { fake, driver, app } = await startBot((app) => {
      app.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, client }) => {
        clicks.push(body);
        await ack();
        await client.chat.update({
          channel: body.channel?.id ?? '',
          ts: body.message?.ts ?? '',
          text: 'Approved',
          blocks: [],
        });
      });
      app.action<BlockAction<ButtonAction>>('reject', async ({ ack, respond }) => {
        await ack();
        await respond({ replace_original: true, text: 'Rejected' });
      });
    });
    const posted = await app.client.chat.postMessage({
      channel: 'C0DEPLOY',
      text: 'Deploy?',
      blocks: [...decideBlocks],
    });
    const ts = posted.ts ?? '';

    const res = await driver.clickButton({ channel: 'C0DEPLOY', ts, actionId: 'approve', user: 'U0ALICE' });
    expect(res).toEqual({ status: 200, body: '' });
    const body = await clicks.nth(1);
    expect(body).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0SANDBOX' },
      api_app_id: 'A0SANDBOX',
      token: expect.any(String),
      container: { type: 'message', message_ts: ts, channel_id: 'C0DEPLOY', is_ephemeral: false },
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]{32}$/),
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: 'C0DEPLOY', name: 'c0deploy' },
      message: { type: 'message', ts, text: 'Deploy?', user: 'UBOT', bot_id: 'BBOT', blocks: expect.any(Array) },
      state: { values: {} },
      response_url: expect.stringMatching(new RegExp(`^${fake.baseUrl}/response/`)),
    });
    expect(body.actions).toEqual([
      {
        action_id: 'approve',
        block_id: 'decide',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'yes',
        type: 'button',
        style: 'primary',
        action_ts: expect.stringMatching(/^\d+\.\d{6}$/),
      },
    ]);
    await fake.waitFor(() => fake.message('C0DEPLOY', ts)?.text === 'Approved');
    expect(fake.message('C0DEPLOY', ts)?.blocks).toBeUndefined();

    const second = await app.client.chat.postMessage({
      channel: 'C0DEPLOY',
      text: 'Again?',
      blocks: [...decideBlocks],
    });
    await driver.clickButton({ channel: 'C0DEPLOY', ts: second.ts ?? '', actionId: 'reject', user: 'U0BOB' });
    await fake.waitFor(() => fake.message('C0DEPLOY', second.ts ?? '')?.text === 'Rejected');
    expect(fake.responses.at(-1)).toMatchObject({ via: 'response_url', body: { replace_original: true } });

    const third = await app.client.chat.postMessage({ channel: 'C0DEPLOY', text: 'Third?', blocks: [...decideBlocks] });
    await expect(
      driver.clickButton({ channel: 'C0DEPLOY', ts: third.ts ?? '', actionId: 'nope', user: 'U0ALICE' }),
    ).rejects.toThrow(/no element with action_id "nope" \(action_ids: approve, reject\)/);
    await expect(
      driver.clickButton({ channel: 'C0DEPLOY', ts: '1.000000', actionId: 'approve', user: 'U0ALICE' }),
    ).rejects.toThrow(/no message C0DEPLOY\/1.000000/);
  });

  it('picks an option from a static_select', async () => {
    const picks = inbox<BlockAction<StaticSelectAction>>();
    const { driver, app } = await startBot((app) => {
      app.action<BlockAction<StaticSelectAction>>('pick', async ({ ack, body }) => {
        picks.push(body);
        await ack();
      });
    });
    const blocks = [
      {
        type: 'actions',
        block_id: 'menu',
        elements: [{ type: 'static_select', action_id: 'pick', options: [option('a', 'A'), option('b', 'B')] }],
      },
    ];
    const posted = await app.client.chat.postMessage({ channel: 'C1', text: 'Pick one', blocks });
    const res = await driver.selectOption({
      channel: 'C1',
      ts: posted.ts ?? '',
      actionId: 'pick',
      user: 'U0CAROL',
      value: 'b',
    });
    expect(res.status).toBe(200);
    const body = await picks.nth(1);
    expect(body.actions[0]).toMatchObject({
      type: 'static_select',
      action_id: 'pick',
      block_id: 'menu',
      selected_option: option('b', 'B'),
    });
    expect(body.state?.values).toEqual({
      menu: { pick: { type: 'static_select', selected_option: option('b', 'B') } },
    });
  });

  it('opens a modal from a slash command and submits it: errors keep it open, an empty ack closes it', async () => {
    const commands = inbox<SlashCommand>();
    const submissions = inbox<ViewSubmitAction>();
    const { fake, driver } = await startBot((app) => {
      app.command('/rodizio', async ({ ack, command, client }) => {
        commands.push(command);
        await ack({ response_type: 'ephemeral', text: 'Opening the form' });
        await client.views.open({ trigger_id: command.trigger_id, view: answerModal as never });
      });
      app.view<ViewSubmitAction>('answer', async ({ ack, body, view }) => {
        submissions.push(body);
        const reason = view.state.values.reason?.reason_input?.value;
        if (!reason) await ack({ response_action: 'errors', errors: { reason: 'Say why' } });
        else await ack();
      });
    });

    const res = await driver.slashCommand({ user: 'U0ALICE', channel: 'C0DEPLOY', text: 'answer sem-1234abcd' });
    expect(res).toMatchObject({ status: 200, json: { response_type: 'ephemeral', text: 'Opening the form' } });
    expect(fake.ephemerals.at(-1)).toMatchObject({ user: 'U0ALICE', channel: 'C0DEPLOY', text: 'Opening the form' });
    expect(await commands.nth(1)).toEqual({
      token: expect.any(String),
      team_id: 'T0SANDBOX',
      team_domain: 'sandbox',
      channel_id: 'C0DEPLOY',
      channel_name: 'c0deploy',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/rodizio',
      text: 'answer sem-1234abcd',
      api_app_id: 'A0SANDBOX',
      is_enterprise_install: 'false',
      response_url: res.responseUrl,
      trigger_id: res.triggerId,
    });

    const opened = await fake.waitFor(() => fake.callsTo('views.open')[0]);
    expect(opened.response).toMatchObject({ ok: true });
    const [modal] = fake.modalStack('U0ALICE');
    if (!modal) throw new Error('no modal opened');

    const rejected = await driver.submitView({ viewId: modal.id, user: 'U0ALICE', values: { choice: 'a' } });
    expect(rejected).toMatchObject({ status: 200, json: { response_action: 'errors', errors: { reason: 'Say why' } } });
    expect(fake.views.get(modal.id)?.open).toBe(true);

    const accepted = await driver.submitView({
      viewId: modal.id,
      user: 'U0ALICE',
      values: { reason: 'ship it', choice: 'b', tags: ['x', 'y'], count: '3' },
    });
    expect(accepted).toEqual({ status: 200, body: '' });
    expect(fake.views.get(modal.id)?.open).toBe(false);

    const first = await submissions.nth(1);
    expect(first.view.state.values).toEqual({
      reason: { reason_input: { type: 'plain_text_input', value: null } },
      choice: { choice_select: { type: 'static_select', selected_option: option('a', 'A') } },
      tags: { tags_boxes: { type: 'checkboxes', selected_options: [] } },
      count: { count_input: { type: 'number_input', value: null } },
    });
    const second = await submissions.nth(2);
    expect(second).toMatchObject({
      type: 'view_submission',
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0SANDBOX' },
      api_app_id: 'A0SANDBOX',
      trigger_id: expect.any(String),
      response_urls: [],
      is_enterprise_install: false,
      view: {
        id: modal.id,
        team_id: 'T0SANDBOX',
        type: 'modal',
        callback_id: 'answer',
        private_metadata: 'sem-1234abcd',
        hash: modal.view.hash,
        title: { type: 'plain_text', text: 'Answer' },
        submit: { type: 'plain_text', text: 'Send' },
        root_view_id: modal.id,
        app_id: 'A0SANDBOX',
        bot_id: 'BBOT',
      },
    });
    expect(second.view.state.values).toEqual({
      reason: { reason_input: { type: 'plain_text_input', value: 'ship it' } },
      choice: { choice_select: { type: 'static_select', selected_option: option('b', 'B') } },
      tags: { tags_boxes: { type: 'checkboxes', selected_options: [option('x', 'X'), option('y', 'Y')] } },
      count: { count_input: { type: 'number_input', value: '3' } },
    });

    await expect(driver.submitView({ viewId: modal.id, user: 'U0ALICE' })).rejects.toThrow(/is closed/);
    await expect(driver.submitView({ viewId: 'V0NOPE', user: 'U0ALICE' })).rejects.toThrow(/no modal V0NOPE/);
  });

  it('delivers messages as Events API callbacks, with retries, bot messages and edits', async () => {
    const seen = inbox<{ event: Record<string, unknown>; eventId: unknown; retryNum?: number; retryReason?: string }>();
    const { fake, driver } = await startBot((app) => {
      app.event('message', async ({ event, body, context }) => {
        seen.push({
          event: event as unknown as Record<string, unknown>,
          eventId: body.event_id,
          ...(context.retryNum !== undefined ? { retryNum: context.retryNum } : {}),
          ...(context.retryReason !== undefined ? { retryReason: context.retryReason } : {}),
        });
      });
    });

    const res = await driver.postMessage({ channel: 'C0DEPLOY', user: 'U0ALICE', text: 'looks good' });
    expect(res.status).toBe(200);
    expect(res.eventId).toMatch(/^Ev[0-9A-Z]+$/);
    const first = await seen.nth(1);
    const ts = String(first.event.ts);
    expect(first).toEqual({ event: expect.any(Object), eventId: res.eventId });
    expect(first.event).toMatchObject({
      type: 'message',
      channel: 'C0DEPLOY',
      user: 'U0ALICE',
      text: 'looks good',
      event_ts: ts,
      channel_type: 'channel',
      client_msg_id: expect.any(String),
      team: 'T0SANDBOX',
    });
    expect(fake.messages('C0DEPLOY').map((m) => m.ts)).toEqual([ts]);

    const retried = await res.retry(1);
    expect(retried.status).toBe(200);
    expect(await seen.nth(2)).toMatchObject({
      eventId: res.eventId,
      retryNum: 1,
      retryReason: 'http_timeout',
      event: { ts },
    });

    await driver.postMessage({ channel: 'C0DEPLOY', user: 'U0BOB', text: 'in thread', thread_ts: ts });
    expect((await seen.nth(3)).event).toMatchObject({ thread_ts: ts, parent_user_id: 'U0ALICE', user: 'U0BOB' });
    expect(fake.thread('C0DEPLOY', ts).map((m) => m.text)).toEqual(['in thread']);

    // The bot's own bot_message is dropped by Bolt (ignoreSelf); another bot's arrives.
    await driver.postBotMessage({ channel: 'C0DEPLOY', text: 'echo', bot_id: 'BBOT' });
    await driver.postBotMessage({ channel: 'C0DEPLOY', text: 'from CI', thread_ts: ts });
    expect((await seen.nth(4)).event).toMatchObject({
      subtype: 'bot_message',
      bot_id: 'B0OTHERBOT',
      text: 'from CI',
      thread_ts: ts,
    });

    await driver.editMessage({ channel: 'C0DEPLOY', ts, text: 'looks great' });
    expect((await seen.nth(5)).event).toMatchObject({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: 'C0DEPLOY',
      message: { ts, text: 'looks great', user: 'U0ALICE', edited: { user: 'U0ALICE' } },
      previous_message: { ts, text: 'looks good' },
    });

    await driver.postMessage({ channel: fake.dmChannel('U0ALICE'), user: 'U0ALICE', text: 'psst' });
    expect((await seen.nth(6)).event).toMatchObject({ channel: 'D0ALICE', channel_type: 'im', text: 'psst' });
    expect(seen.items).toHaveLength(6);
  });

  it('opens the Home tab and clicks a button on it', async () => {
    const opens = inbox<Record<string, unknown>>();
    const clicks = inbox<BlockAction<ButtonAction>>();
    const { fake, driver } = await startBot((app) => {
      app.event('app_home_opened', async ({ event, client }) => {
        opens.push(event as unknown as Record<string, unknown>);
        await client.views.publish({
          user_id: event.user,
          view: {
            type: 'home',
            blocks: [section('Nothing pending'), { type: 'actions', elements: [button('refresh', 'Refresh', 'r')] }],
          },
        });
      });
      app.action<BlockAction<ButtonAction>>('refresh', async ({ ack, body }) => {
        clicks.push(body);
        await ack();
      });
    });

    await driver.openHome('U0BOB');
    expect(await opens.nth(1)).toMatchObject({ type: 'app_home_opened', user: 'U0BOB', channel: 'D0BOB', tab: 'home' });
    const home = await fake.waitFor(() => fake.homeView('U0BOB'));
    await driver.openHome('U0BOB');
    expect(await opens.nth(2)).toMatchObject({ view: { id: home.id, type: 'home' } });

    expect((await driver.clickHomeButton({ user: 'U0BOB', actionId: 'refresh' })).status).toBe(200);
    const body = await clicks.nth(1);
    expect(body).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: home.id },
      view: { id: home.id, type: 'home' },
    });
    expect(body.actions[0]).toMatchObject({
      action_id: 'refresh',
      value: 'r',
      type: 'button',
      block_id: expect.any(String),
    });
    expect(body).not.toHaveProperty('channel');
    expect(body).not.toHaveProperty('message');
  });

  it('sends requests Bolt rejects when the signature is wrong or the timestamp stale', async () => {
    const clicks = inbox<unknown>();
    const events = inbox<unknown>();
    const { driver, app } = await startBot((app) => {
      app.action('approve', async ({ ack, body }) => {
        clicks.push(body);
        await ack();
      });
      app.event('message', async ({ event }) => {
        events.push(event);
      });
    });
    const posted = await app.client.chat.postMessage({ channel: 'C1', text: 'Deploy?', blocks: [...decideBlocks] });
    const click = { channel: 'C1', ts: posted.ts ?? '', actionId: 'approve', user: 'U0ALICE' };

    expect((await driver.clickButton(click, { badSignature: true })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
    expect((await driver.clickButton(click, { timestampSec: sixMinutesAgo })).status).toBe(401);
    expect(
      (await driver.postMessage({ channel: 'C1', user: 'U0BOB', text: 'hi' }, { badSignature: true })).status,
    ).toBe(401);

    // A good request after the bad ones is the first the listeners see.
    expect((await driver.clickButton(click)).status).toBe(200);
    await clicks.nth(1);
    expect(clicks.items).toHaveLength(1);
    expect(events.items).toHaveLength(0);

    const challenge = await driver.send(
      JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 't' }),
      'application/json',
    );
    expect(challenge).toMatchObject({ status: 200, json: { challenge: 'c-123' } });
  });
});

describe('the driver on the wire', () => {
  it('sends interactivity as a bare form content type with one signed payload field, telling the caller as it leaves', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end();
      });
    });
    const port = await listen(server);
    cleanups.push(() => close(server));
    const fake = createFakeSlack();
    await fake.start();
    cleanups.push(() => fake.stop());
    const message = fake.addMessage('C1', { bot_id: 'BBOT', text: 'Deploy?', blocks: [...decideBlocks] });
    const driver = createSlackDriver({
      fake,
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });

    // onSend fires once, after the payload is built and signed and before the bot has any of the request.
    const sends: number[] = [];
    await driver.clickButton(
      { channel: 'C1', ts: message.ts, actionId: 'reject', user: 'U0ALICE' },
      { onSend: () => sends.push(received.length) },
    );
    expect(sends).toEqual([0]);
    const [request] = received;
    if (!request) throw new Error('nothing received');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const timestamp = Number(request.headers['x-slack-request-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(request.headers['x-slack-signature']).toBe(
      signSlackRequest(SIGNING_SECRET, request.body, timestamp)['x-slack-signature'],
    );
    const form = new URLSearchParams(request.body);
    expect([...form.keys()]).toEqual(['payload']);
    expect(JSON.parse(form.get('payload') ?? '')).toMatchObject({
      type: 'block_actions',
      actions: [{ action_id: 'reject', value: 'no' }],
    });
  });
});
