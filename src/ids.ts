import { randomBytes } from 'node:crypto';

/** A fresh token id in the interoperable shape: `sem-` + 8 lowercase hex. */
export function generateTokenId(): string {
  return `sem-${randomBytes(4).toString('hex')}`;
}

const processPrefix = randomBytes(3).toString('hex');
let requestCounter = 0;

/** A short id for one HTTP request, carried by its child logger: unique per process, cheap to make. */
export function generateRequestId(): string {
  requestCounter = (requestCounter + 1) % 0x100000000;
  return `${processPrefix}-${requestCounter.toString(36)}`;
}
