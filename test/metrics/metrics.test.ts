import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { ADMIN_SECRET, CI_ALLOW, RUNNER_SECRET, startTestBridge } from '../helpers/bridge.js';
import { HOUR, REPO, startFollowupBridge, T0 } from '../helpers/followups.js';
import { startReceiver } from '../helpers/receiver.js';
import { buttonFor, CARDS } from '../helpers/slack.js';
import { parsePrometheus, type Sample, sampleValue, select } from './prom-text.js';

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19); // offset-less, read as UTC
const LABELS_ROUTE = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';

/** Scrapes like Prometheus does and parses what came back. */
async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text()).samples;
}

describe('GET /metrics', () => {
  it('counts tokens created, answered by a click and expired by the deadline sweep; time to answer, pending, sweeps, Slack and GitHub calls', async () => {
    const t = await startFollowupBridge({ file: { escalation_targets: {} } });
    const a = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship it?',
      options: ['yes', 'no'],
      severity: 'warning',
    });
    await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which region?',
      severity: 'critical',
      deadline: iso(T0 + HOUR),
      expiry_policy: 'expire',
    });
    await t.createAndPost({ reason: 'approval_needed', prompt: 'Later', severity: 'info', github_issue: `${REPO}#7` });

    t.clock.set(T0 + 5 * 60_000);
    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: a.card.ts,
      actionId: buttonFor(a.card, 'yes'),
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);
    await t.settle();
    await t.at(HOUR);

    const s = await scrape(t.url);
    const created = (reason: string, severity: string) =>
      sampleValue(s, 'rodizio_tokens_created_total', { reason, severity });
    expect([
      created('approval_needed', 'warning'),
      created('context_required', 'critical'),
      created('approval_needed', 'info'),
    ]).toEqual([1, 1, 1]);
    expect(
      sampleValue(s, 'rodizio_tokens_settled_total', { reason: 'approval_needed', outcome: 'resolved', via: 'button' }),
    ).toBe(1);
    expect(
      select(s, 'rodizio_tokens_settled_total', { reason: 'context_required', outcome: 'expired' }).map((x) => x.value),
    ).toEqual([1]);
    expect(select(s, 'rodizio_tokens_settled_total').reduce((n, x) => n + x.value, 0)).toBe(2);

    // Answered 300 s after it arrived: in the 300 s bucket, not in the 120 s one; the expired token is not an answer.
    const tta = { reason: 'approval_needed', severity: 'warning' };
    expect(sampleValue(s, 'rodizio_time_to_answer_seconds_bucket', { ...tta, le: '120' })).toBe(0);
    expect(sampleValue(s, 'rodizio_time_to_answer_seconds_bucket', { ...tta, le: '300' })).toBe(1);
    expect(sampleValue(s, 'rodizio_time_to_answer_seconds_sum', tta)).toBe(300);
    expect(sampleValue(s, 'rodizio_time_to_answer_seconds_count', tta)).toBe(1);
    expect(select(s, 'rodizio_time_to_answer_seconds_count', { reason: 'context_required' })).toEqual([]);

    // Levels read from the store: one token still pending, an hour old.
    expect(select(s, 'rodizio_tokens_pending').map((x) => [x.labels, x.value])).toEqual([
      [{ reason: 'approval_needed', severity: 'info' }, 1],
    ]);
    expect(sampleValue(s, 'rodizio_oldest_pending_seconds')).toBe(3600);
    expect(sampleValue(s, 'rodizio_store_up')).toBe(1);
    expect(select(s, 'rodizio_outbox_dead_jobs')).toEqual([]);
    expect(sampleValue(s, 'rodizio_sweep_duration_seconds_count', { sweep: 'deadlines', result: 'ok' })).toBe(1);
    // Three cards, the flip and decision reply of the click, the expiry's flip and reply.
    const posts = sampleValue(s, 'rodizio_api_call_duration_seconds_count', {
      api: 'slack',
      method: 'chat.postMessage',
      status: '200',
    });
    expect(posts).toBe(t.fake.callsTo('chat.postMessage').length);
    expect(posts).toBeGreaterThanOrEqual(5);
    expect(
      sampleValue(s, 'rodizio_api_call_duration_seconds_count', { api: 'slack', method: 'chat.update', status: '200' }),
    ).toBe(t.fake.callsTo('chat.update').length);

    // GitHub at 24 h: the first label call is a 429, the outbox tries again ten minutes later.
    t.github.inject({ method: 'POST', path: /\/issues\/7\/labels$/ }, { status: 429, retryAfter: 1 });
    await t.at(24 * HOUR);
    await t.at(24 * HOUR + 10 * 60_000);
    expect(t.github.issue(REPO, 7)?.labels.map((l) => l.name)).toEqual(['blocked']);
    const g = await scrape(t.url);
    const labels = { api: 'github', method: LABELS_ROUTE };
    expect(sampleValue(g, 'rodizio_api_call_duration_seconds_count', { ...labels, status: '429' })).toBe(1);
    expect(sampleValue(g, 'rodizio_api_call_duration_seconds_count', { ...labels, status: '200' })).toBe(1);
    expect(sampleValue(g, 'rodizio_api_rate_limited_total', labels)).toBe(1);
    expect(sampleValue(g, 'rodizio_api_call_errors_total', { ...labels, error: '429' })).toBe(1);
    expect(sampleValue(g, 'rodizio_oldest_pending_seconds')).toBe(24 * 3600 + 600);
    expect(sampleValue(g, 'rodizio_sweep_duration_seconds_count', { sweep: 'blocked', result: 'ok' })).toBe(3);
  });

  it('deliveries by target, dead jobs by kind, Slack errors and 429s, and long-poll waiters', async () => {
    const t = await startFollowupBridge({ file: { runners: { ci: { allow: CI_ALLOW } } } });
    const receiver = await startReceiver(RUNNER_SECRET, [500]);
    const { id } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Deliver?',
      options: ['yes'],
      delivery: { type: 'webhook', url: receiver.url },
    });
    const res = await t.call('POST', `/v1/tokens/${id}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'yes', by: 'U0BOB' },
    });
    expect(res.status).toBe(200);
    await t.drain();
    expect(receiver.received).toHaveLength(1);
    await t.at(60_000); // past the first backoff: the second attempt is accepted
    expect(receiver.received).toHaveLength(2);

    // A card Slack refuses for good (a dead job), and one it rate-limits once (posted on the next try).
    t.fake.inject('chat.postMessage', { error: 'channel_not_found' }, 1);
    await t.call('POST', '/v1/tokens', { body: { reason: 'resource_decision', prompt: 'Lost card' } });
    await t.drain();
    t.fake.inject('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const late = await t.call('POST', '/v1/tokens', { body: { reason: 'error_recovery', prompt: 'Late card' } });
    await t.drain();
    await t.at(2 * 60_000);
    expect(await t.card(late.json.id)).toBeDefined();

    // A long-poll waiting on the late card's token, seen by the gauge while it waits.
    const abort = new AbortController();
    const poll = fetch(`${t.url}/v1/tokens/${late.json.id}/reentry?wait=30`, {
      headers: { authorization: `Bearer ${RUNNER_SECRET}` },
      signal: abort.signal,
    }).catch(() => undefined);
    await expect.poll(async () => sampleValue(await scrape(t.url), 'rodizio_longpoll_waiters')).toBe(1);
    abort.abort();
    await poll;

    const s = await scrape(t.url);
    expect(sampleValue(s, 'rodizio_delivery_attempts_total', { target: 'webhook' })).toBe(2);
    expect(sampleValue(s, 'rodizio_delivery_failures_total', { target: 'webhook' })).toBe(1);
    expect(select(s, 'rodizio_outbox_dead_jobs').map((x) => [x.labels, x.value])).toEqual([
      [{ kind: 'slack.card' }, 1],
    ]);
    const post = { api: 'slack', method: 'chat.postMessage' };
    expect(sampleValue(s, 'rodizio_api_call_errors_total', { ...post, error: 'channel_not_found' })).toBe(1);
    expect(sampleValue(s, 'rodizio_api_call_errors_total', { ...post, error: '429' })).toBe(1);
    expect(sampleValue(s, 'rodizio_api_rate_limited_total', post)).toBe(1);
    expect(
      sampleValue(s, 'rodizio_tokens_settled_total', { reason: 'approval_needed', outcome: 'resolved', via: 'api' }),
    ).toBe(1);
    await expect.poll(async () => sampleValue(await scrape(t.url), 'rodizio_longpoll_waiters')).toBe(0);
  });

  it('with RODIZIO_METRICS_TOKEN set: 401 without it, with a wrong one or with the admin token; 200 with it', async () => {
    const token = 'metrics-secret-0123456789';
    const t = await startTestBridge({ config: { metricsToken: token } });
    for (const bearer of [null, 'wrong-token-0123456789', ADMIN_SECRET, RUNNER_SECRET]) {
      const res = await t.call('GET', '/metrics', { token: bearer });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="rodizio"');
      expect(res.json.error.code).toBe('unauthorized');
    }
    const ok = await scrape(t.url, token);
    expect(sampleValue(ok, 'rodizio_store_up')).toBe(1);
    // Node's own process metrics come along.
    expect(select(ok, 'process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('without RODIZIO_METRICS_TOKEN /metrics is open; HEAD works; POST is 405', async () => {
    const t = await startTestBridge();
    await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Open?' } });
    expect(
      sampleValue(await scrape(t.url), 'rodizio_tokens_created_total', { reason: 'approval_needed', severity: 'info' }),
    ).toBe(1);
    expect((await fetch(`${t.url}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect((await t.call('POST', '/metrics', { token: null })).status).toBe(405);
  });

  it('RODIZIO_METRICS_TOKEN is checked at start-up', () => {
    expect(() => loadConfig({ RODIZIO_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ RODIZIO_METRICS_TOKEN: 'short' })).toThrow(
      /RODIZIO_METRICS_TOKEN.*at least 16 characters/,
    );
    expect(() => loadConfig({ RODIZIO_METRICS_TOKEN: 'has a space 0123456789' })).toThrow(/RODIZIO_METRICS_TOKEN/);
    expect(loadConfig({ RODIZIO_METRICS_TOKEN: 'metrics-secret-0123456789' }).metricsToken).toBe(
      'metrics-secret-0123456789',
    );
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });
});
