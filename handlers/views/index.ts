import type { App } from '@slack/bolt';
import { CallbackId } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { createAnswerSubmitHandler } from './answer-submit.js';

export function register(app: App, deps: HandlerDeps): void {
  app.view(CallbackId.answerModal, createAnswerSubmitHandler(deps));
}
