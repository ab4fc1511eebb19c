import { describe, expect, it } from 'vitest';
import { captureLogger } from './helpers/logs.js';

describe('logger', () => {
  it('redacts secrets and authorization headers at the listed paths', () => {
    const { logger, lines, text } = captureLogger();
    logger.info({ req: { headers: { authorization: 'Bearer abc123' } } }, 'incoming');
    logger.info({ config: { botToken: 'xoxb-1', signingSecret: 'sig', apiTokens: 'ci:x' } }, 'config');
    logger.child({ token_id: 'sem-1' }).info({ token: { frozen_state: 'c2VjcmV0' }, secret: 'shh' }, 'token');
    expect(text()).not.toMatch(/abc123|xoxb-1|"sig"|ci:x|c2VjcmV0|shh/);
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[redacted]' } } });
    expect(lines[2]).toMatchObject({ token_id: 'sem-1', secret: '[redacted]' });
  });

  it('redacts a secret one level down under any key, in bindings and errors too, and leaves the caller’s object alone', () => {
    const { logger, lines, text } = captureLogger();
    const slack = { botToken: 'xoxb-2', channel: 'C1' };
    const failure = Object.assign(new Error('Slack refused the call'), { token: 'xoxb-3', code: 'not_authed' });
    logger.child({ slack }).warn({ err: failure, delivery: { webhookSecret: 'whsec', url: 'https://x' } }, 'failed');
    logger.info(
      { req: { headers: { cookie: 'sid=1', 'x-slack-signature': 'v0=abc', 'x-hub-signature-256': 'sha256=def' } } },
      'headers',
    );
    expect(text()).not.toMatch(/xoxb-2|xoxb-3|whsec|sid=1|v0=abc|sha256=def/);
    expect(lines[0]).toMatchObject({
      slack: { botToken: '[redacted]', channel: 'C1' },
      err: { message: 'Slack refused the call', token: '[redacted]', code: 'not_authed', type: 'Error' },
      delivery: { webhookSecret: '[redacted]', url: 'https://x' },
    });
    expect(String((lines[0]?.err as { stack?: unknown } | undefined)?.stack)).toContain('Slack refused the call');
    expect(lines[1]).toMatchObject({
      req: {
        headers: { cookie: '[redacted]', 'x-slack-signature': '[redacted]', 'x-hub-signature-256': '[redacted]' },
      },
    });
    // Logging copied what it censored: the objects the caller holds still work.
    expect(slack.botToken).toBe('xoxb-2');
    expect(failure.token).toBe('xoxb-3');
    // A child without bindings is refused as pino refuses it.
    expect(() => logger.child(undefined as unknown as Record<string, unknown>)).toThrow(
      'missing bindings for child Pino',
    );
  });

  it('leaves lines without secrets as they were', () => {
    const { logger, lines } = captureLogger();
    logger
      .child({ request_id: 'r-1' })
      .info({ method: 'POST', status: 200, ms: 3.7, body: { id: 'sem-1' } }, 'request');
    expect(lines[0]).toMatchObject({ request_id: 'r-1', method: 'POST', status: 200, ms: 3.7, body: { id: 'sem-1' } });
  });
});
