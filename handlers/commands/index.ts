import type { App } from '@slack/bolt';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import type { HandlerDeps } from '../deps.js';
import { createRodizioCommandHandler } from './rodizio.js';

export function register(app: App, deps: HandlerDeps): void {
  app.command(SLASH_COMMAND, createRodizioCommandHandler(deps));
}
