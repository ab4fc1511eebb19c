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
});
