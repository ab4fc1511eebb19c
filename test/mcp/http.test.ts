import { describe, expect, it } from 'vitest';
import { OTHER_SECRET } from '../helpers/bridge.js';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';
import { callWithProgress, click, connectHttp, nextCard, textOf } from './helpers.js';

describe('the MCP server at /mcp (Streamable HTTP)', () => {
  it('lists the three tools with their input and output schemas', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(Object.keys(byName).sort()).toEqual(['ask_human', 'notify_human', 'request_permission']);

    const ask = byName.ask_human;
    expect(ask?.inputSchema.required).toEqual(['question']);
    expect(Object.keys(ask?.inputSchema.properties ?? {}).sort()).toEqual(
      ['answer_schema', 'context', 'deadline', 'options', 'question', 'reason', 'severity'].sort(),
    );
    expect(ask?.outputSchema?.properties).toHaveProperty('outcome');
    expect(JSON.stringify(ask?.outputSchema?.properties?.outcome)).toContain('no_answer');

    // Claude Code's --permission-prompt-tool contract: {tool_name, input, tool_use_id?}.
    const permission = byName.request_permission;
    expect(permission?.inputSchema.required?.sort()).toEqual(['input', 'tool_name']);
    expect(Object.keys(permission?.inputSchema.properties ?? {}).sort()).toEqual(['input', 'tool_name', 'tool_use_id']);

    expect(byName.notify_human?.inputSchema.required).toEqual(['text']);
  });

  it('ask_human: a signed button click answers; progress arrives while it waits', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result, progress } = callWithProgress(client, 'ask_human', {
      question: 'Deploy to production?',
      options: ['Yes', 'No'],
      context: 'CI is green on `main`.',
      severity: 'warning',
    });
    const posted = await nextCard(t);
    expect(posted.token).toMatchObject({
      status: 'pending',
      prompt: 'Deploy to production?\n\nCI is green on `main`.',
      options: ['Yes', 'No'],
      severity: 'warning',
      runner: 'ci',
    });
    // The first progress notification goes out as soon as the question is asked.
    await expect.poll(() => progress.length).toBeGreaterThan(0);
    expect(progress[0]?.message).toContain(posted.token.id);

    await click(t, posted, 'Yes');
    const res = await result;
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({
      outcome: 'answered',
      answer: 'Yes',
      answered_by: 'U0ALICE',
      answered_via: 'button',
      token_id: posted.token.id,
    });
    expect(textOf(res)).toContain('Answered by');
    expect(textOf(res)).toContain(': Yes');
  });

  it('ask_human with an elicitation schema: the modal is the form, defaults and titled options come back', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const { result } = callWithProgress(client, 'ask_human', {
      question: 'How should the rollout go?',
      answer_schema: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 20 },
          region: {
            type: 'string',
            title: 'Region',
            oneOf: [
              { const: 'eu-west-1', title: 'Ireland' },
              { const: 'us-east-1', title: 'Virginia' },
            ],
          },
          canary: { type: 'boolean', title: 'Canary first', default: true },
        },
        required: ['replicas', 'region', 'canary'],
      },
    });
    const posted = await nextCard(t);
    expect(posted.token.answer_schema).toMatchObject({
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 20 },
        region: { type: 'string', enum: ['Ireland', 'Virginia'] },
        canary: { type: 'boolean', description: '(default: true)' },
      },
      // A field with a default may be left empty.
      required: ['replicas', 'region'],
    });
    await t.driver.clickButton({
      channel: posted.channel,
      ts: posted.card.ts,
      actionId: 'rodizio.answer',
      user: 'U0BOB',
    });
    const modal = await t.fake.waitFor(() => t.fake.modalStack('U0BOB').at(-1));
    const submitted = await t.driver.submitView({
      viewId: modal.id,
      user: 'U0BOB',
      values: { 'rodizio.field.replicas': '3', 'rodizio.field.region': 'Ireland' },
    });
    expect(submitted.status).toBe(200);
    const res = await result;
    expect(res.structuredContent).toMatchObject({
      outcome: 'answered',
      answer: { replicas: 3, region: 'eu-west-1', canary: true },
      answered_by: 'U0BOB',
      answered_via: 'form',
    });
  });

  it('notify_human posts to the channel, or in a token card thread, without waiting', async () => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const plain = await client.callTool({ name: 'notify_human', arguments: { text: 'Build 412 is done ✅' } });
    expect(plain.structuredContent).toEqual({ queued: true, channel: CARDS, token_id: null });
    await t.settle();
    expect(t.fake.messages(CARDS).map((m) => m.text)).toContain('Build 412 is done ✅');

    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Merge?', options: ['Yes'] });
    const threaded = await client.callTool({
      name: 'notify_human',
      arguments: { text: 'Still blocked on CI', token_id: id },
    });
    expect(threaded.structuredContent).toMatchObject({ queued: true, token_id: id });
    await t.settle();
    expect(t.fake.thread(CARDS, card.ts).map((m) => m.text)).toContain('Still blocked on CI');

    // Someone else's token: refused, nothing queued.
    const theirs = await connectHttp(t.url, { token: OTHER_SECRET });
    const before = await storeSnapshot(t.bridge.store);
    const refused = await theirs.callTool({ name: 'notify_human', arguments: { text: 'hi', token_id: id } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('belongs to another runner');
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('answers 401 without a bearer or with a wrong one, and 405 to GET', async () => {
    const t = await startSlackBridge();
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${t.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer not-a-secret' },
      body: JSON.stringify(init),
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe('unauthorized');
    // The SDK client surfaces the 401 with rodizio's reason.
    await expect(connectHttp(t.url, { token: 'not-a-secret' })).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('unknown bearer token'),
    });
    await expect(connectHttp(t.url, { token: null })).rejects.toMatchObject({ code: 401 });

    const get = await t.call('GET', '/mcp');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it.each([
    ['an empty question', { question: '' }, 'question'],
    ['options that are not a list', { question: 'Go?', options: 'Yes' }, 'options'],
    ['a deadline that is not a time', { question: 'Go?', deadline: 'tomorrow-ish' }, 'deadline'],
    [
      'an answer_schema with a format',
      {
        question: 'Email?',
        answer_schema: { type: 'object', properties: { to: { type: 'string', format: 'email' } } },
      },
      'properties.to.format: a Slack form cannot check "email"',
    ],
    [
      'an answer_schema with a multi-select',
      {
        question: 'Which?',
        answer_schema: {
          type: 'object',
          properties: { envs: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } } },
        },
      },
      'multi-select',
    ],
  ])('ask_human refuses %s with a clear tool error and creates nothing', async (_what, args, says) => {
    const t = await startSlackBridge();
    const client = await connectHttp(t.url);
    const before = await storeSnapshot(t.bridge.store);
    const res = await client.callTool({ name: 'ask_human', arguments: args });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain(says);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});
