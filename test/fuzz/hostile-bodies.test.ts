import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../src/sandbox/signing.js';
import { ADMIN_SECRET, PYTHON_TOKEN, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { expectStillServing, rowCounts } from '../helpers/hostile.js';
import { CARDS, SIGNING_SECRET, startSlackBridge } from '../helpers/slack.js';

/** Fixed so a failure reproduces; fast-check prints the seed and path of a counterexample. */
const SEED = 0x0dd1;
/**
 * Bodies per target: the same count and, with the fixed seed, the same bodies on every machine, however loaded
 * (a wall-clock cut-off let a loaded CI machine send fewer than the test insisted on). FUZZ_BODIES sends more.
 */
const BODIES = Number(process.env.FUZZ_BODIES ?? 512);
const FORM = 'application/x-www-form-urlencoded';

interface Body {
  raw: string | Uint8Array;
  type: string | undefined;
}

const deep = fc
  .tuple(fc.integer({ min: 60, max: 5000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([n, open, closed]) => {
    const close = open === '[' ? ']' : '}';
    return `${open.repeat(n)}1${closed ? close.repeat(n) : ''}`;
  });
const json = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);
/** A real token body with one key given a random value (wrong types, nulls, deep values). */
const wrongTypes = fc
  .tuple(
    fc.constantFrom(...Object.keys(PYTHON_TOKEN), 'runner', 'project', 'answer_schema'),
    fc.oneof(fc.jsonValue(), deep),
  )
  .map(([key, value]) => {
    const text = typeof value === 'string' && value.startsWith('[') ? value : JSON.stringify(value);
    return JSON.stringify({ ...PYTHON_TOKEN, id: 'sem-fuzz', [key]: '__V__' }).replace('"__V__"', text ?? 'null');
  });
const huge = fc
  .integer({ min: 900_000, max: 1_300_000 })
  .map((n) => JSON.stringify({ ...PYTHON_TOKEN, prompt: 'x'.repeat(n) }));
const bytes = fc.uint8Array({ maxLength: 4096 });
const contentType = fc.constantFrom<string | undefined>(
  'application/json',
  'application/json; charset=utf-8',
  FORM,
  'text/plain',
  undefined,
);

const apiBody: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ raw: json, type: fc.constant<string | undefined>('application/json') }) },
  { weight: 4, arbitrary: fc.record({ raw: wrongTypes, type: fc.constant<string | undefined>('application/json') }) },
  { weight: 2, arbitrary: fc.record({ raw: fc.oneof(json, bytes), type: contentType }) },
  { weight: 1, arbitrary: fc.record({ raw: huge, type: fc.constant<string | undefined>('application/json') }) },
);

/** Slack-shaped bodies: known kinds with random fields, random JSON, form payloads of random JSON, raw bytes. */
const slackish = fc
  .tuple(
    fc.constantFrom(
      'block_actions',
      'view_submission',
      'view_closed',
      'shortcut',
      'message_action',
      'block_suggestion',
      'event_callback',
    ),
    fc.dictionary(
      fc.constantFrom(
        'user',
        'team',
        'channel',
        'actions',
        'view',
        'event',
        'enterprise',
        'response_urls',
        'name',
        'command',
        'authorizations',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  )
  .map(([type, fields]) => JSON.stringify({ type, ...fields }));
const slackBody: fc.Arbitrary<Body> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ raw: fc.oneof(json, slackish), type: fc.constant<string | undefined>('application/json') }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      raw: fc.oneof(json, slackish).map((p) => `payload=${encodeURIComponent(p)}`),
      type: fc.constant<string | undefined>(FORM),
    }),
  },
  { weight: 1, arbitrary: fc.record({ raw: fc.oneof(fc.string(), bytes), type: contentType }) },
);

/** Real-shaped requests for the posted card (click, claim, thread reply, Home, modal submit, command). */
function realPayloads(id: string, ts: string): { json?: Record<string, unknown>; form?: Record<string, unknown> }[] {
  const team = { id: 'T0SANDBOX', domain: 'sandbox' };
  const user = { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0SANDBOX' };
  const click = (actionId: string, value: string) => ({
    type: 'block_actions',
    team,
    user,
    api_app_id: 'A0RODIZIO',
    trigger_id: '1.2.3',
    container: { type: 'message', message_ts: ts, channel_id: CARDS },
    channel: { id: CARDS, name: 'agents' },
    message: { ts, type: 'message', text: 'card' },
    response_url: 'http://127.0.0.1:9/response',
    actions: [{ action_id: actionId, block_id: `rodizio.actions.${id}`, type: 'button', value, action_ts: '1.2' }],
  });
  const event = (e: Record<string, unknown>) => ({
    type: 'event_callback',
    team_id: 'T0SANDBOX',
    api_app_id: 'A0RODIZIO',
    event_id: 'Ev0FUZZ',
    event_time: 1,
    event: e,
  });
  return [
    { form: click('rodizio.option.0', `${id}|0`) },
    { form: click('rodizio.claim', id) },
    { form: click('rodizio.answer', id) },
    { json: event({ type: 'message', user: 'U0ALICE', channel: CARDS, text: 'fuzz', ts: '2.1', thread_ts: ts }) },
    { json: event({ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' }) },
    {
      form: {
        type: 'view_submission',
        team,
        user,
        trigger_id: '1.2.3',
        view: {
          id: 'V0FUZZ',
          callback_id: 'rodizio.answer_submit',
          private_metadata: JSON.stringify({ token_id: id }),
          state: { values: { 'rodizio.answer.text': { value: { type: 'plain_text_input', value: 'fuzz' } } } },
        },
      },
    },
    {
      form: {
        command: '/rodizio',
        text: 'list',
        user_id: 'U0ALICE',
        team_id: 'T0SANDBOX',
        channel_id: CARDS,
        trigger_id: '1.2.3',
        response_url: 'http://127.0.0.1:9/command',
      },
    },
  ];
}

const PATHS = [
  'user',
  'user.id',
  'team',
  'channel',
  'actions',
  'actions.0',
  'actions.0.value',
  'message',
  'container',
  'view',
  'view.state',
  'view.state.values',
  'view.private_metadata',
  'event',
  'event.user',
  'event.channel',
  'event.text',
  'event.thread_ts',
  'event.ts',
  'text',
  'user_id',
  'response_url',
  'trigger_id',
];

/** Sets (or, for `undefined`, deletes) `path` in a deep copy of `value`. */
function mutate(value: Record<string, unknown>, path: string, to: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  const keys = path.split('.');
  let at: unknown = copy;
  for (const k of keys.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return copy;
    at = (at as Record<string, unknown>)[k];
  }
  if (typeof at !== 'object' || at === null) return copy;
  const last = keys.at(-1) as string;
  if (to === undefined) delete (at as Record<string, unknown>)[last];
  else (at as Record<string, unknown>)[last] = to;
  return copy;
}

/** A real request with one field replaced by a random value or removed, as JSON or as a form like Slack sends it. */
function mutatedSlack(id: string, ts: string): fc.Arbitrary<Body> {
  const bases = realPayloads(id, ts);
  return fc
    .tuple(
      fc.constantFrom(...bases),
      fc.constantFrom(...PATHS),
      fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    )
    .map(([base, path, to]) => {
      if (base.json) return { raw: JSON.stringify(mutate(base.json, path, to)), type: 'application/json' };
      const f = mutate(base.form ?? {}, path, to);
      if ('command' in f) {
        const fields = Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]);
        return { raw: new URLSearchParams(fields).toString(), type: FORM };
      }
      return { raw: new URLSearchParams({ payload: JSON.stringify(f) }).toString(), type: FORM };
    });
}

/**
 * POSTs one body; the status read, or 0 when no answer came within `waitMs` (Bolt answers a request no listener
 * acknowledges only after 3 seconds, with a 404).
 */
async function send(url: string, body: Body, headers: Record<string, string>, waitMs = 10_000): Promise<number> {
  const h: Record<string, string> = { ...headers };
  if (body.type) h['content-type'] = body.type;
  try {
    const payload = typeof body.raw === 'string' ? body.raw : new Blob([Buffer.from(body.raw)]);
    const res = await fetch(url, { method: 'POST', headers: h, body: payload, signal: AbortSignal.timeout(waitMs) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return 0;
    throw err;
  }
}

/** Bodies sent at once: the server answers them concurrently, and a batch is the unit the row check applies to. */
const BATCH = 16;

/**
 * Sends BODIES generated requests in batches (fixed seed) and insists on no failure: no 5xx, and when no request
 * of a batch got a 2xx, no row was written.
 */
async function fuzz<T>(
  arbitrary: fc.Arbitrary<T>,
  send: (value: T) => Promise<number>,
  rows: () => Promise<unknown>,
  settle: () => Promise<void>,
) {
  const statuses = new Map<number, number>();
  const details = await fc.check(
    fc.asyncProperty(fc.array(arbitrary, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const before = await rows();
      const got = await Promise.all(batch.map(send));
      for (const status of got) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(got.filter((s) => s >= 500)).toEqual([]);
      // Rows are compared only when every request of the batch was answered with a refusal.
      if (got.every((s) => s >= 300)) {
        await settle();
        expect(await rows()).toEqual(before);
      }
    }),
    {
      seed: SEED,
      numRuns: Math.ceil(BODIES / BATCH),
      endOnFailure: true,
    },
  );
  expect(details.failed, fc.defaultReportMessage(details)).toBe(false);
  const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
  expect(sent).toBe(Math.ceil(BODIES / BATCH) * BATCH);
  expect(statuses.get(400)).toBeGreaterThan(sent / 4);
  if (process.env.FUZZ_REPORT)
    process.stderr.write(`fuzz: ${details.numRuns * BATCH} bodies, statuses ${JSON.stringify([...statuses])}\n`);
  return statuses;
}

describe('fuzz: generated bodies never crash the bridge, never get a 5xx, and refused ones write nothing', () => {
  it('the token API routes', { timeout: 60_000 }, async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: { ...PYTHON_TOKEN, id: 'sem-target' } });
    const routes = [
      { path: '/v1/tokens', secret: RUNNER_SECRET },
      { path: '/v1/tokens/sem-target/cancel', secret: RUNNER_SECRET },
      { path: '/v1/tokens/sem-target/resolve', secret: ADMIN_SECRET },
    ];
    await fuzz(
      fc.tuple(fc.constantFrom(...routes), apiBody),
      ([route, body]) => send(`${t.url}${route.path}`, body, { authorization: `Bearer ${route.secret}` }),
      () => rowCounts(t.bridge.store),
      async () => {},
    );
    await expectStillServing(t.url);
  });

  it('POST /slack/events with valid signatures', { timeout: 60_000 }, async () => {
    const t = await startSlackBridge();
    const { id, card } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Go?', options: ['yes'] });
    await t.bridge.slack?.idle();
    await fuzz(
      fc.oneof({ weight: 1, arbitrary: slackBody }, { weight: 1, arbitrary: mutatedSlack(id, card.ts) }),
      (body) => {
        const text = typeof body.raw === 'string' ? body.raw : Buffer.from(body.raw).toString('utf8');
        return send(`${t.url}/slack/events`, body, signSlackRequest(SIGNING_SECRET, text), 1000);
      },
      () => rowCounts(t.bridge.store),
      async () => {
        await t.bridge.slack?.idle();
      },
    );
    if (process.env.FUZZ_REPORT) {
      const errors = t.logs.lines
        .filter((l) => l.level === 'error')
        .map((l) => `${l.msg}: ${(l.err as { message?: string })?.message}`);
      process.stderr.write(`fuzz: error log lines ${JSON.stringify([...new Set(errors)])}\n`);
    }
    await expectStillServing(t.url);
  });
});
