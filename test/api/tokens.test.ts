import { describe, expect, it } from 'vitest';
import { WIRE_KEYS } from '../../src/domain/token.js';
import { ADMIN_SECRET, OTHER_SECRET, PYTHON_TOKEN, startTestBridge } from '../helpers/bridge.js';
import { storeSnapshot } from '../helpers/store.js';

describe('POST /v1/tokens', () => {
  it('stores the Python token as emitted and reads back the same 14 keys', async () => {
    const t = await startTestBridge();
    const created = await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/tokens/sem-restored');

    const read = await t.call('GET', '/v1/tokens/sem-restored');
    expect(read.status).toBe(200);
    const wire = Object.fromEntries(WIRE_KEYS.map((k) => [k, read.json[k]]));
    expect(wire).toEqual(PYTHON_TOKEN);
    expect(read.json).toMatchObject({ status: 'pending', runner: 'ci', kind: 'semaphore' });
  });

  it('returns the frozen state byte-identical in the reentry', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const resolved = await t.call('POST', '/v1/tokens/sem-restored/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'A', by: 'U123' },
    });
    expect(resolved.status).toBe(200);
    const reentry = await t.call('GET', '/v1/tokens/sem-restored/reentry');
    expect(reentry.status).toBe(200);
    expect(reentry.json.frozen_state).toBe(PYTHON_TOKEN.frozen_state);
    expect(Buffer.from(reentry.json.frozen_state, 'base64').toString()).toBe('test state');
    expect(reentry.json).toMatchObject({
      token_id: 'sem-restored',
      human_input: 'A',
      original_event: 'test_event',
      outcome: 'resolved',
      answered_by: 'U123',
      via: 'api',
      notes: [],
    });
  });

  it('treats an offset-less deadline as UTC', async () => {
    const t = await startTestBridge();
    const res = await t.call('POST', '/v1/tokens', {
      body: { reason: 'context_required', prompt: 'Which DB?', deadline: '2025-01-01T12:00:00.123456' },
    });
    expect(res.status).toBe(201);
    const row = await t.bridge.store.tokens.get(res.json.id);
    expect(row?.deadline).toBe('2025-01-01T12:00:00.123456');
    expect(row?.deadline_ms).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 123));
  });

  it('gives a missing id the sem- + 8 hex shape', async () => {
    const t = await startTestBridge();
    const res = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Go?' } });
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^sem-[0-9a-f]{8}$/);
  });

  it('is idempotent on id: 200 for the same content, 409 for different content', async () => {
    const t = await startTestBridge();
    expect((await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN })).status).toBe(201);
    const replay = await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    expect(replay.status).toBe(200);
    expect(replay.json.id).toBe('sem-restored');
    const before = await storeSnapshot(t.bridge.store);
    const conflict = await t.call('POST', '/v1/tokens', { body: { ...PYTHON_TOKEN, prompt: 'Something else?' } });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('conflict');
    const otherRunner = await t.call('POST', '/v1/tokens', { token: OTHER_SECRET, body: PYTHON_TOKEN });
    expect(otherRunner.status).toBe(409);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    // The only token: every ejected event would be its own.
    expect(await t.bridge.store.events.count('sem-restored', 'ejected')).toBe(1);
  });

  describe('rejects bad input with a clear error and leaves the store unchanged', () => {
    const cases: [string, Parameters<Awaited<ReturnType<typeof startTestBridge>>['call']>[2], number, string][] = [
      ['no bearer token', { token: null, body: PYTHON_TOKEN }, 401, 'unauthorized'],
      ['a wrong bearer token', { token: 'nope', body: PYTHON_TOKEN }, 401, 'unauthorized'],
      [
        'malformed JSON',
        { rawBody: '{"reason": ', headers: { 'content-type': 'application/json' } },
        400,
        'invalid_request',
      ],
      [
        'a non-JSON content type',
        { rawBody: 'reason=x', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      ['an unknown reason', { body: { ...PYTHON_TOKEN, reason: 'bored' } }, 400, 'invalid_request'],
      ['options of the wrong type', { body: { ...PYTHON_TOKEN, options: 'A,B' } }, 400, 'invalid_request'],
      ['URL-safe base64', { body: { ...PYTHON_TOKEN, frozen_state: 'ab-_' } }, 400, 'invalid_request'],
      ['an unparseable deadline', { body: { ...PYTHON_TOKEN, deadline: 'tomorrow' } }, 400, 'invalid_request'],
      ['an unknown key', { body: { ...PYTHON_TOKEN, promt: 'typo' } }, 400, 'invalid_request'],
      [
        'an already-resolved token',
        { body: { ...PYTHON_TOKEN, resolved_at: '2025-01-01T12:00:00' } },
        400,
        'invalid_request',
      ],
      ['a JSON array body', { body: [PYTHON_TOKEN] }, 400, 'invalid_request'],
      ['an empty body', { rawBody: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
      ['a body over 1 MiB', { body: { ...PYTHON_TOKEN, prompt: 'x'.repeat(1024 * 1024) } }, 413, 'payload_too_large'],
      ["another runner's name", { body: { ...PYTHON_TOKEN, runner: 'other' } }, 403, 'forbidden'],
    ];
    for (const [name, options, status, code] of cases) {
      it(name, async () => {
        const t = await startTestBridge();
        const before = await storeSnapshot(t.bridge.store);
        const res = await t.call('POST', '/v1/tokens', options);
        expect(res.status).toBe(status);
        expect(res.json.error.code).toBe(code);
        expect(res.json.error.message).toEqual(expect.any(String));
        expect(await storeSnapshot(t.bridge.store)).toEqual(before);
      });
    }

    it('names each offending field path', async () => {
      const t = await startTestBridge();
      const res = await t.call('POST', '/v1/tokens', {
        body: {
          reason: 'approval_needed',
          options: ['ok', 7],
          severity: 'meh',
          answer_schema: { properties: { n: { type: 'date' } } },
        },
      });
      expect(res.status).toBe(400);
      const paths = res.json.error.issues.map((i: { path: string }) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['options.1', 'severity', 'answer_schema.properties.n.type']));
    });
  });
});

describe('GET /v1/tokens', () => {
  it('lists newest first, filters, and pages with a cursor', async () => {
    const t = await startTestBridge();
    for (let i = 0; i < 5; i++) {
      await t.call('POST', '/v1/tokens', {
        body: { id: `sem-${i}`, reason: 'approval_needed', project: i % 2 ? 'web' : 'api' },
      });
    }
    await t.call('POST', '/v1/tokens', { token: OTHER_SECRET, body: { id: 'sem-other', reason: 'approval_needed' } });
    await t.call('POST', '/v1/tokens/sem-3/cancel');

    const page1 = await t.call('GET', '/v1/tokens?limit=2');
    expect(page1.json.tokens.map((x: { id: string }) => x.id)).toEqual(['sem-4', 'sem-3']);
    const page2 = await t.call('GET', `/v1/tokens?limit=2&cursor=${page1.json.next_cursor}`);
    expect(page2.json.tokens.map((x: { id: string }) => x.id)).toEqual(['sem-2', 'sem-1']);
    const page3 = await t.call('GET', `/v1/tokens?limit=2&cursor=${page2.json.next_cursor}`);
    expect(page3.json).toEqual({ tokens: [expect.objectContaining({ id: 'sem-0' })], next_cursor: null });

    const pendingWeb = await t.call('GET', '/v1/tokens?status=pending&project=web');
    expect(pendingWeb.json.tokens.map((x: { id: string }) => x.id)).toEqual(['sem-1']);
    const admin = await t.call('GET', '/v1/tokens?runner=other', { token: ADMIN_SECRET });
    expect(admin.json.tokens.map((x: { id: string }) => x.id)).toEqual(['sem-other']);
  });

  it('rejects bad queries and other runners', async () => {
    const t = await startTestBridge();
    for (const q of ['status=open', 'limit=0', 'limit=abc', 'limit=1000', 'cursor=xyz', 'colour=red']) {
      const res = await t.call('GET', `/v1/tokens?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json.error.issues.length, q).toBeGreaterThan(0);
    }
    expect((await t.call('GET', '/v1/tokens?runner=other')).status).toBe(403);
    expect((await t.call('GET', '/v1/tokens', { token: 'bad' })).status).toBe(401);
  });
});

describe('GET /v1/tokens/:id', () => {
  it('answers 404 for an unknown id and 403 for another runner', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { token: OTHER_SECRET, body: PYTHON_TOKEN });
    const missing = await t.call('GET', '/v1/tokens/sem-nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const foreign = await t.call('GET', '/v1/tokens/sem-restored');
    expect(foreign.status).toBe(403);
    expect((await t.call('GET', '/v1/tokens/sem-restored', { token: ADMIN_SECRET })).status).toBe(200);
    expect((await t.call('GET', '/v1/tokens/sem-restored', { token: null })).status).toBe(401);
  });

  it('shows the audit trail', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    await t.call('POST', '/v1/tokens/sem-restored/cancel', { body: { reason: 'no longer needed' } });
    const res = await t.call('GET', '/v1/tokens/sem-restored/events');
    expect(res.json.events.map((e: { type: string }) => e.type)).toEqual(['ejected', 'cancelled']);
    expect(res.json.events[1]).toMatchObject({ actor: 'ci', data: { reason: 'no longer needed' } });
  });
});

describe('POST /v1/tokens/:id/cancel', () => {
  it('cancels once; the reentry says cancelled; a second cancel is 409 and changes nothing', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const first = await t.call('POST', '/v1/tokens/sem-restored/cancel');
    expect(first.status).toBe(200);
    expect(first.json.token.status).toBe('cancelled');
    expect(first.json.token.cancelled_at).toMatch(/\+00:00$/);
    expect(first.json.reentry).toMatchObject({ outcome: 'cancelled', frozen_state: PYTHON_TOKEN.frozen_state });
    const before = await storeSnapshot(t.bridge.store);
    const second = await t.call('POST', '/v1/tokens/sem-restored/cancel');
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe('not_pending');
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('rejects bad input and other runners without changing anything', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const before = await storeSnapshot(t.bridge.store);
    const cases: [Parameters<typeof t.call>[2], number][] = [
      [{ token: OTHER_SECRET }, 403],
      [{ token: null }, 401],
      [{ body: { reason: 42 } }, 400],
      [{ body: { why: 'x' } }, 400],
      [{ rawBody: 'nope', headers: { 'content-type': 'application/json' } }, 400],
      [{ rawBody: 'reason', headers: { 'content-type': 'text/plain' } }, 415],
    ];
    for (const [options, status] of cases) {
      expect((await t.call('POST', '/v1/tokens/sem-restored/cancel', options)).status).toBe(status);
    }
    expect((await t.call('POST', '/v1/tokens/sem-missing/cancel')).status).toBe(404);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});

describe('POST /v1/tokens/:id/resolve', () => {
  it('50 concurrent resolves: exactly one wins, all see the same recorded answer, one audit event', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.call('POST', '/v1/tokens/sem-restored/resolve', {
          token: ADMIN_SECRET,
          body: { human_input: i % 2 ? 'A' : 'B', by: `U${i}` },
        }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const recorded = winners[0]?.json.reentry;
    for (const r of results) {
      expect(r.json.reentry.human_input).toBe(recorded.human_input);
      expect(r.json.reentry.answered_by).toBe(recorded.answered_by);
    }
    expect(await t.bridge.store.events.count('sem-restored', 'resolved')).toBe(1);
  });

  it('is admin-only and validates the body', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const before = await storeSnapshot(t.bridge.store);
    const runner = await t.call('POST', '/v1/tokens/sem-restored/resolve', { body: { human_input: 'A', by: 'me' } });
    expect(runner.status).toBe(403);
    const bad: unknown[] = [
      { by: 'U1' },
      { human_input: 'A' },
      { human_input: 'A', by: '' },
      { human_input: 'A', by: 'U1', x: 1 },
    ];
    for (const body of bad) {
      const res = await t.call('POST', '/v1/tokens/sem-restored/resolve', { token: ADMIN_SECRET, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const missing = await t.call('POST', '/v1/tokens/sem-nope/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'A', by: 'U1' },
    });
    expect(missing.status).toBe(404);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('checks a structured answer against the token answer_schema', async () => {
    const t = await startTestBridge();
    const schema = {
      type: 'object',
      properties: { replicas: { type: 'integer', minimum: 1 }, region: { type: 'string', enum: ['eu', 'us'] } },
      required: ['replicas'],
    };
    await t.call('POST', '/v1/tokens', {
      body: { id: 'sem-form', reason: 'resource_decision', answer_schema: schema },
    });
    const before = await storeSnapshot(t.bridge.store);
    const wrong = await t.call('POST', '/v1/tokens/sem-form/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: { replicas: 0, region: 'mars' }, by: 'U1' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'human_input.region',
      'human_input.replicas',
    ]);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
    const right = await t.call('POST', '/v1/tokens/sem-form/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: { replicas: 3, region: 'eu' }, by: 'U1' },
    });
    expect(right.status).toBe(200);
    expect(right.json.reentry.human_input).toEqual({ replicas: 3, region: 'eu' });
  });
});

describe('GET /v1/tokens/:id/reentry', () => {
  it('answers 204 when the wait ends first, and 200 as soon as the token is resolved', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const empty = await t.call('GET', '/v1/tokens/sem-restored/reentry?wait=0.05');
    expect(empty.status).toBe(204);

    const started = Date.now();
    const poll = t.call('GET', '/v1/tokens/sem-restored/reentry?wait=30');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.bridge.waiters.count()).toBe(1);
    await t.call('POST', '/v1/tokens/sem-restored/resolve', {
      token: ADMIN_SECRET,
      body: { human_input: 'B', by: 'U9' },
    });
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_id: 'sem-restored', human_input: 'B', outcome: 'resolved' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(t.bridge.waiters.count()).toBe(0);
  });

  it('rejects bad waits, unknown tokens and other runners', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    for (const q of ['wait=61', 'wait=-1', 'wait=soon', 'timeout=5']) {
      expect((await t.call('GET', `/v1/tokens/sem-restored/reentry?${q}`)).status, q).toBe(400);
    }
    expect((await t.call('GET', '/v1/tokens/sem-nope/reentry')).status).toBe(404);
    expect((await t.call('GET', '/v1/tokens/sem-restored/reentry', { token: OTHER_SECRET })).status).toBe(403);
  });

  it('stops waiting when the client goes away', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const controller = new AbortController();
    const poll = fetch(`${t.url}/v1/tokens/sem-restored/reentry?wait=30`, {
      headers: { authorization: 'Bearer ci-secret-0123456789' },
      signal: controller.signal,
    }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.bridge.waiters.count()).toBe(1);
    controller.abort();
    expect(await poll).toBe('aborted');
    await expect.poll(() => t.bridge.waiters.count()).toBe(0);
  });
});

describe('service routes', () => {
  it('serves /healthz without auth', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const res = await t.call('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', store: { ok: true, tokens: { pending: 1 } } });
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const t = await startTestBridge();
    const res = await t.call('GET', '/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tokens',
        '/v1/tokens/{id}',
        '/v1/tokens/{id}/reentry',
        '/v1/tokens/{id}/resolve',
        '/v1/notify',
      ]),
    );
    expect(Object.keys(res.json.paths['/v1/notify'].post.responses)).toContain('202');
    // Every route that reads the database says it may answer 503 while the database cannot be reached.
    expect(res.json.paths['/v1/tokens/{id}/resolve'].post.responses['503'].description).toMatch(/^`unavailable`/);
    expect(res.json.components.schemas.NotifyBody.required).toEqual(['text']);
    const input = res.json.components.schemas.TokenInput;
    expect(input.required).toEqual(['reason']);
    expect(input.properties.reason.enum).toContain('error_recovery');
    expect(input.additionalProperties).toBe(false);
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    const t = await startTestBridge();
    const missing = await t.call('GET', '/v2/whatever');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const wrong = await t.call('DELETE', '/v1/tokens');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
  });

  it('logs one line per request with a request id and never the bearer secret', async () => {
    const t = await startTestBridge();
    const res = await t.call('POST', '/v1/tokens', { body: PYTHON_TOKEN });
    const id = res.headers.get('x-request-id');
    const line = t.logs.lines.find((l) => l.request_id === id);
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/v1/tokens', status: 201 });
    expect(t.logs.text()).not.toContain('ci-secret-0123456789');
  });
});
