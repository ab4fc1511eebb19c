import type { App } from '@slack/bolt';
import { CallbackId } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { createAnswerSubmitHandler, createFormAnswerProcessor, FormAnswer } from './answer-submit.js';
import { createReassignProcessor, createReassignSubmitHandler, ReassignSubmit } from './reassign-submit.js';

export function register(app: App, deps: HandlerDeps): void {
  deps.intake.register(FormAnswer, createFormAnswerProcessor(deps));
  app.view(CallbackId.answerModal, createAnswerSubmitHandler(deps));
  deps.intake.register(ReassignSubmit, createReassignProcessor(deps));
  app.view(CallbackId.reassignModal, createReassignSubmitHandler(deps));
}
