/**
 * rodizio's package entry point: the client SDK for agent runners and the wire types.
 * The server is started with the `rodizio serve` command, not from here.
 */
export * from './client/index.js';
export type { AnswerSchema, AnswerValue } from './domain/answer-schema.js';
export type {
  Delivery,
  Outcome,
  Reason,
  Reentry,
  Severity,
  TimeOffset,
  Token,
  TokenInput,
  TokenPatch,
  TokenStatus,
} from './domain/token.js';
