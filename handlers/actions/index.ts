import type { App } from '@slack/bolt';
import { ActionId } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { createClaimHandler } from './claim.js';
import { createOpenAnswerModalHandler } from './open-answer-modal.js';
import { createOptionHandler } from './option-button.js';

export function register(app: App, deps: HandlerDeps): void {
  app.action(ActionId.optionPattern, createOptionHandler(deps));
  app.action(ActionId.optionSelect, createOptionHandler(deps));
  app.action(ActionId.answer, createOpenAnswerModalHandler(deps));
  app.action(ActionId.claim, createClaimHandler(deps));
}
