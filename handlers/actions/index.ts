import type { App } from '@slack/bolt';
import { ActionId } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { ClaimClick, createClaimHandler, createClaimProcessor } from './claim.js';
import { createOpenAnswerModalHandler } from './open-answer-modal.js';
import { createOpenReassignModalHandler } from './open-reassign-modal.js';
import {
  createOpenDenyModalHandler,
  createOpenEditModalHandler,
  createOpenGrantModalHandler,
} from './open-token-modal.js';
import { createOptionHandler, createOptionProcessor, OptionClick } from './option-button.js';
import { createRevokeGrantHandler, createRevokeGrantProcessor, RevokeClick } from './revoke-grant.js';
import { createSnoozeHandler, createSnoozeProcessor, SnoozeClick } from './snooze.js';

export function register(app: App, deps: HandlerDeps): void {
  deps.intake.register(OptionClick, createOptionProcessor(deps));
  deps.intake.register(ClaimClick, createClaimProcessor(deps));
  deps.intake.register(RevokeClick, createRevokeGrantProcessor(deps));
  deps.intake.register(SnoozeClick, createSnoozeProcessor(deps));
  app.action(ActionId.optionPattern, createOptionHandler(deps));
  app.action(ActionId.optionSelect, createOptionHandler(deps));
  app.action(ActionId.answer, createOpenAnswerModalHandler(deps));
  app.action(ActionId.claim, createClaimHandler(deps));
  app.action(ActionId.reassign, createOpenReassignModalHandler(deps));
  app.action(ActionId.edit, createOpenEditModalHandler(deps));
  app.action(ActionId.deny, createOpenDenyModalHandler(deps));
  app.action(ActionId.grant, createOpenGrantModalHandler(deps));
  app.action(ActionId.revokeGrant, createRevokeGrantHandler(deps));
  app.action(ActionId.snooze, createSnoozeHandler(deps));
}
