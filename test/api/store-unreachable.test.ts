import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/api/http.js';
import { NotFoundError } from '../../src/errors.js';

/** Errors as node-postgres and Node's sockets raise them (`code`, and `severity` for the server's own). */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

const UNAVAILABLE = {
  status: 503,
  body: { error: { code: 'unavailable', message: 'the database cannot be reached right now; try again' } },
  headers: { 'retry-after': '1' },
};
const INTERNAL = { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };

describe('an API error while the database cannot be reached', () => {
  it.each([
    ['a refused connection', socketError('ECONNREFUSED'), UNAVAILABLE],
    ['a reset connection', socketError('ECONNRESET'), UNAVAILABLE],
    [
      'a server shutting down (57P01)',
      pgError('57P01', 'terminating connection due to administrator command'),
      UNAVAILABLE,
    ],
    ['a server still starting (57P03)', pgError('57P03', 'the database system is starting up'), UNAVAILABLE],
    ['a connection failure (08006)', pgError('08006', 'connection failure'), UNAVAILABLE],
    ['a query cut off in flight', new Error('Connection terminated unexpectedly'), UNAVAILABLE],
    [
      'one wrapped by Bolt (UnknownError.original)',
      Object.assign(new Error('x'), { code: 'slack_bolt_unknown_error', original: socketError('ECONNREFUSED') }),
      UNAVAILABLE,
    ],
    [
      "one of several listeners' (originals)",
      Object.assign(new Error('x'), { originals: [new Error('y'), socketError('ECONNRESET')] }),
      UNAVAILABLE,
    ],
    ['a statement Postgres refused (23505)', pgError('23505', 'duplicate key value'), INTERNAL],
    ['a SQLite error', Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }), INTERNAL],
    ['a bug', new TypeError('x is undefined'), INTERNAL],
  ])('%s', (_, err, expected) => {
    expect(errorResponse(err)).toMatchObject({ ...expected, expected: false });
  });

  it("leaves rodizio's own errors as they were", () => {
    expect(errorResponse(new NotFoundError('no token sem-1'))).toMatchObject({ status: 404, expected: true });
  });
});
