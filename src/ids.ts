import { randomBytes } from 'node:crypto';

/** A fresh token id in the interoperable shape: `sem-` + 8 lowercase hex. */
export function generateTokenId(): string {
  return `sem-${randomBytes(4).toString('hex')}`;
}

/** A short id for one HTTP request, carried by its child logger. */
export function generateRequestId(): string {
  return randomBytes(6).toString('hex');
}
