import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { AuthorizationError, HTTPReceiver, verifySlackRequest } from '@slack/bolt';
import { z } from 'zod';
import { MAX_BODY_BYTES, readBody, sendJson } from '../api/http.js';
import type { Mount } from '../api/server.js';
import { InvalidSignatureError, MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js';
import { parseJsonText } from '../json.js';
import type { Logger } from '../logger.js';
import { isStoreUnreachable } from '../store/errors.js';
import { zodIssues } from '../validation.js';
import { toSlackLogger } from './bolt-logger.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Slack's rule, applied in both directions: a request dated further than this from now is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const FORM = 'application/x-www-form-urlencoded';

/**
 * Bolt's HTTP receiver for /slack/events, with error handlers that answer in JSON, log, and never throw: an error
 * Bolt meets before a listener acks is a 500 (an authorize failure a 401), never an unhandled rejection. Requests
 * reach it only through `createSlackMount`, which has checked the signature and timestamp (with Bolt's own
 * `verifySlackRequest`), so the receiver does not check them again: that was a second HMAC over the same bytes
 * and a second header parse on every click.
 */
export function createSlackReceiver(options: { signingSecret: string; logger: Logger }): HTTPReceiver {
  const log = options.logger.child({ component: 'slack-http' });
  return new HTTPReceiver({
    signingSecret: options.signingSecret,
    signatureVerification: false,
    endpoints: SLACK_EVENTS_PATH,
    logger: toSlackLogger(options.logger, 'bolt'),
    bodyLimit: MAX_BODY_BYTES,
    async processEventErrorHandler({ error, response }) {
      try {
        if (error instanceof AuthorizationError) {
          if (!response.headersSent) {
            sendJson(response, 401, {
              error: { code: 'unauthorized', message: 'the Slack request was not authorized' },
            });
          }
          return true;
        }
        if (isStoreUnreachable(error)) {
          log.error({ err: error }, 'a Slack request failed: the database cannot be reached');
          if (!response.headersSent) {
            const body = { error: { code: 'unavailable', message: 'the database cannot be reached right now' } };
            sendJson(response, 503, body, { 'retry-after': '1' });
          }
          return false;
        }
        log.error({ err: error }, 'Bolt failed to process a Slack request');
        if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: 'internal error' } });
      } catch (err) {
        log.error({ err }, 'could not answer a failed Slack request');
      }
      return false;
    },
    unhandledRequestHandler({ response }) {
      // Already answered by the error handler above.
      if (response.headersSent) return;
      log.error('a Slack request was not acknowledged within 3 seconds');
      if (!response.headersSent) {
        sendJson(response, 404, {
          error: { code: 'not_acknowledged', message: 'no listener acknowledged the request' },
        });
      }
    },
  });
}

export interface SlackMountOptions {
  receiver: HTTPReceiver;
  signingSecret: string;
  /** Wall-clock milliseconds: Slack signs with real time, whatever clock the bridge runs on. */
  now?: () => number;
}

/**
 * `POST /slack/events` in HTTP mode. Before Bolt sees a request, the mount reads the body (413 past 1 MiB, drained
 * so the client reads it), checks the timestamp in both directions and the signature with Bolt's own
 * `verifySlackRequest` (401), and checks that the body has the shape Bolt's routing reads (400): Bolt throws
 * TypeErrors on a `null` body or a `null` user, outside anything that catches them. Bolt then parses the body and
 * dispatches (its own signature check is off: see createSlackReceiver). Every refusal is thrown for the HTTP
 * layer's one error mapper.
 */
export function createSlackMount({ receiver, signingSecret, now = Date.now }: SlackMountOptions): Mount {
  return {
    prefix: '/slack',
    async listener(req: IncomingMessage, res: ServerResponse) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== SLACK_EVENTS_PATH) throw new NotFoundError(`Slack sends requests to POST ${SLACK_EVENTS_PATH}`);
      if (req.method !== 'POST') throw new MethodNotAllowedError(req.method, path, ['POST']);
      const raw = await readBody(req, MAX_BODY_BYTES);
      const text = raw.toString('utf8');
      const form = req.headers['content-type'] === FORM;
      // Slack's SSL check is unsigned; Bolt answers it and drops anything else in the body.
      if (!(form && parseQueryString(text).ssl_check === '1')) {
        verifySignature(req, text, signingSecret, now());
        checkSlackBody(parseSlackBody(text, form));
      }
      // Bolt reads a body that someone else already buffered from `rawBody` instead of the consumed stream.
      Object.assign(req, { rawBody: raw });
      receiver.requestListener(req, res);
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** 401 unless the request is signed with the signing secret and dated within 5 minutes of now, either way. */
function verifySignature(req: IncomingMessage, body: string, signingSecret: string, nowMs: number): void {
  const signature = header(req, 'x-slack-signature');
  const timestamp = header(req, 'x-slack-request-timestamp');
  if (!signature || !timestamp) {
    throw new InvalidSignatureError('send X-Slack-Signature and X-Slack-Request-Timestamp');
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new InvalidSignatureError('X-Slack-Request-Timestamp must be a Unix time in seconds');
  }
  const timestampSec = Number(timestamp);
  const skew = timestampSec - Math.floor(nowMs / 1000);
  if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) {
    throw new InvalidSignatureError(
      `X-Slack-Request-Timestamp is more than 5 minutes ${skew > 0 ? 'in the future' : 'old'}`,
    );
  }
  try {
    verifySlackRequest({
      signingSecret,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestampSec },
      nowMilliseconds: nowMs,
    });
  } catch (err) {
    throw new InvalidSignatureError('the Slack signature does not match', { cause: err });
  }
}

/** The body as Bolt will parse it: form fields, or the JSON in a form's `payload` field, or a JSON body. */
function parseSlackBody(text: string, form: boolean): unknown {
  if (!form) return parseJsonText(text, 'the Slack request body');
  const fields = parseQueryString(text);
  return typeof fields.payload === 'string' ? parseJsonText(fields.payload, 'the payload field') : fields;
}

const Obj = z.looseObject({});
const UserRef = z.looseObject({ id: z.string().min(1) });
const Interactive = z.looseObject({
  type: z.string(),
  user: UserRef,
  team: Obj.nullable().optional(),
  enterprise: Obj.nullable().optional(),
  channel: Obj.optional(),
  response_urls: z.array(Obj).optional(),
});
const EventEnvelope = z.looseObject({
  event: z.looseObject({
    type: z.string().min(1),
    user: z.union([z.string(), UserRef]).optional(),
    channel: z.union([z.string(), Obj]).optional(),
    item: Obj.optional(),
    subteam: Obj.optional(),
  }),
  authorizations: z.array(Obj).optional(),
});
const Command = z.looseObject({
  command: z.string().min(1),
  user_id: z.string().min(1),
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
  text: z.string().optional(),
});
const Actions = Interactive.extend({ actions: z.array(Obj).optional() });
const ViewAction = Interactive.extend({ view: Obj });

/**
 * The schema for the kind of request Bolt will take `body` for, decided the way Bolt's `getTypeAndConversation`
 * decides it; undefined for what Bolt answers itself (SSL check, URL verification).
 */
function schemaFor(body: Record<string, unknown>): z.ZodType | 'bolt' | undefined {
  if (body.ssl_check === '1' || body.type === 'url_verification') return 'bolt';
  if (body.event !== undefined) return EventEnvelope;
  if (body.command !== undefined) return Command;
  if (body.name !== undefined || body.type === 'block_suggestion') return Interactive;
  if (body.actions !== undefined || body.type === 'dialog_submission') return Actions;
  if (body.type === 'shortcut' || body.type === 'message_action') return Interactive;
  if (body.type === 'view_submission' || body.type === 'view_closed') return ViewAction;
  return undefined;
}

/**
 * 400 unless the body has the fields Bolt's routing reads, with the types it assumes. Listeners still validate
 * what they use; this only keeps Bolt from throwing before any listener runs.
 */
export function checkSlackBody(body: unknown): void {
  const envelope = Obj.safeParse(body);
  if (!envelope.success || Array.isArray(body)) {
    throw new ValidationError('the Slack request body must be a JSON object (or a form whose payload is one)');
  }
  const schema = schemaFor(envelope.data);
  if (schema === 'bolt') return;
  if (!schema) throw new ValidationError('the body is not a kind of Slack request rodizio handles');
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError('the Slack request is malformed', zodIssues(result.error));
}
