// A request log line, as every HTTP request writes one: rodizio's logger (secrets redacted) against pino with the
// same settings and no redaction, both writing to a sink that drops the line.
import { pino } from 'pino';
import { createLogger } from '../../src/logger.js';
import type { Figure } from './lib.js';

const LINES = 50_000;
const ROUNDS = 5;

/** Microseconds a line, the best of ROUNDS rounds (the rest is this machine's noise). */
function microsPerLine(write: (i: number) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < LINES; i++) write(i);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / LINES);
  }
  return best;
}

export function benchLogger(): Figure[] {
  const sink = { write() {} };
  const ours = createLogger({ destination: sink }).child({ request_id: '2af511-um' });
  const bare = pino(
    { name: 'rodizio', timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    sink,
  ).child({ request_id: '2af511-um' });
  const line = (logger: typeof ours) => (i: number) =>
    logger.info({ method: 'POST', path: '/slack/events', status: 200, ms: i % 10 }, 'request');
  const err = new Error('refused');
  const withSecret = (i: number) => ours.warn({ err, config: { botToken: 'xoxb-1', channel: `C${i % 10}` } }, 'failed');
  const redacted = microsPerLine(line(ours));
  const plain = microsPerLine(line(bare));
  const secret = microsPerLine(withSecret);
  return [
    {
      name: `a request log line, redacted (rodizio's logger), best of ${ROUNDS} × ${LINES}`,
      value: `${redacted.toFixed(2)} µs`,
    },
    { name: 'the same line through pino without redaction', value: `${plain.toFixed(2)} µs` },
    { name: 'redacted / plain', value: `${(redacted / plain).toFixed(2)}×` },
    {
      name: 'a warning line with an error and a secret under `config` (copied and censored)',
      value: `${secret.toFixed(2)} µs`,
    },
  ];
}
