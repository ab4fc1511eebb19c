import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { createAppHomeHandler } from './app-home-opened.js';
import {
  createThreadReplyHandler,
  createThreadReplyProcessor,
  createThreadReplyRecorder,
  ThreadReply,
} from './thread-reply.js';

export function register(app: App, deps: HandlerDeps): void {
  deps.intake.register(ThreadReply, createThreadReplyProcessor(deps));
  deps.intake.beforeAck('message', createThreadReplyRecorder(deps));
  app.event('message', createThreadReplyHandler(deps));
  app.event('app_home_opened', createAppHomeHandler(deps));
}
