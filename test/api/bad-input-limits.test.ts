import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/json.js';
import { ADMIN_SECRET, PYTHON_TOKEN, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { expectStillServing, nested, postRepeatedly, rawRequest } from '../helpers/hostile.js';
import { startSandboxBridge } from '../helpers/sandbox.js';
import { storeSnapshot } from '../helpers/store.js';

const TWO_MIB = 'x'.repeat(2 * 1024 * 1024);

/** A token body whose `original_event` is `event` (JSON text). */
const tokenWithEvent = (event: string) => `{"reason":"approval_needed","prompt":"Go?","original_event":${event}}`;

describe('the agent API refuses hostile bodies with a 4xx and stays up', () => {
  const json = { 'content-type': 'application/json' };
  const cases: {
    name: string;
    path: string;
    token?: string;
    rawBody: string;
    status: number;
    code: string;
    message?: RegExp;
  }[] = [
    {
      name: 'original_event nested 2,000 levels deep',
      path: '/v1/tokens',
      rawBody: tokenWithEvent(nested(2000)),
      status: 400,
      code: 'invalid_request',
      message: /more than 64 levels deep/,
    },
    {
      name: 'original_event nested 100,000 objects deep',
      path: '/v1/tokens',
      rawBody: tokenWithEvent(nested(100_000, 'object')),
      status: 400,
      code: 'invalid_request',
      message: /the limit is 64/,
    },
    {
      name: 'a body one level past the limit',
      path: '/v1/tokens',
      rawBody: tokenWithEvent(nested(MAX_JSON_DEPTH)),
      status: 400,
      code: 'invalid_request',
      message: /the limit is 64/,
    },
    {
      name: 'human_input nested 2,000 levels deep',
      path: '/v1/tokens/sem-restored/resolve',
      token: ADMIN_SECRET,
      rawBody: `{"human_input":${nested(2000, 'object')},"by":"U1"}`,
      status: 400,
      code: 'invalid_request',
      message: /more than 64 levels deep/,
    },
    {
      name: 'a cancel reason nested 2,000 levels deep',
      path: '/v1/tokens/sem-restored/cancel',
      rawBody: `{"reason":${nested(2000)}}`,
      status: 400,
      code: 'invalid_request',
      message: /the limit is 64/,
    },
    { name: 'a JSON null body', path: '/v1/tokens', rawBody: 'null', status: 400, code: 'invalid_request' },
    {
      name: 'a JSON null cancel body',
      path: '/v1/tokens/sem-restored/cancel',
      rawBody: 'null',
      status: 400,
      code: 'invalid_request',
    },
    {
      name: 'a JSON null resolve body',
      path: '/v1/tokens/sem-restored/resolve',
      token: ADMIN_SECRET,
      rawBody: 'null',
      status: 400,
      code: 'invalid_request',
    },
    { name: 'invalid UTF-8 bytes', path: '/v1/tokens', rawBody: '\u0000\uFFFF{', status: 400, code: 'invalid_request' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const t = await startTestBridge();
      await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
      const before = await storeSnapshot(t.bridge.store);
      const res = await t.call('POST', c.path, { token: c.token ?? RUNNER_SECRET, rawBody: c.rawBody, headers: json });
      expect(res.status).toBe(c.status);
      expect(res.json.error.code).toBe(c.code);
      expect(res.json.error.message).toMatch(c.message ?? /\S/);
      expect(await storeSnapshot(t.bridge.store)).toEqual(before);
      expect(t.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
      await expectStillServing(t.url);
    });
  }

  it('accepts JSON nested exactly to the limit', async () => {
    const t = await startTestBridge();
    // The body object is level 1, so original_event may nest 63 more.
    const res = await t.call('POST', '/v1/tokens', {
      rawBody: tokenWithEvent(nested(MAX_JSON_DEPTH - 1)),
      headers: json,
    });
    expect(res.status).toBe(201);
    const read = await t.call('GET', `/v1/tokens/${res.json.id}`);
    expect(JSON.stringify(read.json.original_event)).toBe(nested(MAX_JSON_DEPTH - 1));
  });

  it('brackets inside strings do not count towards the depth', async () => {
    const t = await startTestBridge();
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: `${'['.repeat(5000)} \\" {{{`, original_event: { a: '}}}]]]' } },
    });
    expect(res.status).toBe(201);
  });

  it('a 2 MiB body: 20 of 20 fetches read the 413, none sees a connection error', async () => {
    const t = await startTestBridge();
    const before = await storeSnapshot(t.bridge.store);
    const body = JSON.stringify({ ...PYTHON_TOKEN, prompt: TWO_MIB });
    const out = await postRepeatedly(
      `${t.url}/v1/tokens`,
      body,
      { ...json, authorization: `Bearer ${RUNNER_SECRET}` },
      20,
    );
    expect(out.errors).toEqual([]);
    expect(out.statuses).toEqual(Array(20).fill(413));
    expect(out.bodies[0]).toEqual({
      error: { code: 'payload_too_large', message: 'request body is larger than 1048576 bytes' },
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    await expectStillServing(t.url);
  });

  it('a 2 MiB body refused before it is read (wrong bearer, unknown route): the client still reads the answer', async () => {
    const t = await startTestBridge();
    const before = await storeSnapshot(t.bridge.store);
    const wrong = await postRepeatedly(`${t.url}/v1/tokens`, TWO_MIB, { ...json, authorization: 'Bearer nope' }, 10);
    expect(wrong.errors).toEqual([]);
    expect(wrong.statuses).toEqual(Array(10).fill(401));
    const nowhere = await postRepeatedly(`${t.url}/v1/nowhere`, TWO_MIB, json, 10);
    expect(nowhere.errors).toEqual([]);
    expect(nowhere.statuses).toEqual(Array(10).fill(404));
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    await expectStillServing(t.url);
  });

  it('a request target that is not a URL is a 400, not a crash', async () => {
    const t = await startTestBridge();
    const status = await rawRequest(t.url, 'GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(status).toMatch(/^HTTP\/1\.1 400/);
    await expectStillServing(t.url);
  });

  it('the sandbox page API refuses deep JSON and a null body with a 400 in the page body shape', async () => {
    const s = await startSandboxBridge();
    const before = await storeSnapshot(s.bridge.store);
    const post = async (rawBody: string) => {
      const res = await fetch(`${s.url}/sandbox/api/click`, { method: 'POST', headers: json, body: rawBody });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const deep = await post(`{"source":"message","user":"U0ALICE","actionId":${nested(3000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.json).toMatchObject({ ok: false, error: expect.stringMatching(/the limit is 64/) });
    const nul = await post('null');
    expect(nul.status).toBe(400);
    expect(nul.json).toMatchObject({ ok: false, error: 'the click is invalid' });
    expect(await storeSnapshot(s.bridge.store)).toEqual(before);
    await expectStillServing(s.url);
  });
});

describe('POST /v1/tokens/:id/cancel and /resolve on a settled token', () => {
  it('answer 409 not_pending with the recorded token and reentry, from the one error mapper', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    await t.call('POST', '/v1/tokens/sem-restored/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'A', by: 'U1' },
    });
    const before = await storeSnapshot(t.bridge.store);
    const cancel = await t.call('POST', '/v1/tokens/sem-restored/cancel');
    expect(cancel.status).toBe(409);
    expect(cancel.json.error).toEqual({
      code: 'not_pending',
      message: 'cannot cancel token sem-restored: it is already resolved',
    });
    expect(cancel.json.token).toMatchObject({ id: 'sem-restored', status: 'resolved' });
    expect(cancel.json.reentry).toMatchObject({ human_input: 'A', answered_by: 'U1' });
    const resolve = await t.call('POST', '/v1/tokens/sem-restored/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'B', by: 'U2' },
    });
    expect(resolve.status).toBe(409);
    expect(resolve.json.error.message).toBe('cannot resolve token sem-restored: it is already resolved');
    expect(resolve.json.reentry.human_input).toBe('A');
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});
