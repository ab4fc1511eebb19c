import type { App } from '@slack/bolt';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { ChangeCommand, createChangeCommandProcessor } from './change-command.js';
import { createIdentityCommandProcessor, IdentityCommand } from './link-command.js';
import { createRodizioCommandHandler } from './rodizio.js';

export function register(app: App, deps: HandlerDeps): void {
  deps.intake.register(ChangeCommand, createChangeCommandProcessor(deps));
  deps.intake.register(IdentityCommand, createIdentityCommandProcessor(deps));
  app.command(SLASH_COMMAND, createRodizioCommandHandler(deps));
}
