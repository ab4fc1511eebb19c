import type { App } from '@slack/bolt';
import { CallbackId } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { createAnswerSubmitHandler, createFormAnswerProcessor, FormAnswer } from './answer-submit.js';
import { createDenyAnswerProcessor, createDenySubmitHandler, DenyAnswer } from './deny-submit.js';
import { createEditAnswerProcessor, createEditSubmitHandler, EditAnswer } from './edit-submit.js';
import { createGrantAnswerProcessor, createGrantSubmitHandler, GrantAnswer } from './grant-submit.js';
import { createReassignProcessor, createReassignSubmitHandler, ReassignSubmit } from './reassign-submit.js';

export function register(app: App, deps: HandlerDeps): void {
  deps.intake.register(FormAnswer, createFormAnswerProcessor(deps));
  app.view(CallbackId.answerModal, createAnswerSubmitHandler(deps));
  deps.intake.register(ReassignSubmit, createReassignProcessor(deps));
  app.view(CallbackId.reassignModal, createReassignSubmitHandler(deps));
  deps.intake.register(EditAnswer, createEditAnswerProcessor(deps));
  app.view(CallbackId.editModal, createEditSubmitHandler(deps));
  deps.intake.register(DenyAnswer, createDenyAnswerProcessor(deps));
  app.view(CallbackId.denyModal, createDenySubmitHandler(deps));
  deps.intake.register(GrantAnswer, createGrantAnswerProcessor(deps));
  app.view(CallbackId.grantModal, createGrantSubmitHandler(deps));
}
