import type { App } from '@slack/bolt';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import type { HandlerDeps } from './deps.js';
import * as events from './events/index.js';
import * as views from './views/index.js';

export type { HandlerDeps } from './deps.js';

/** Registers every Slack listener, one `register` per kind (the bolt-js starter template layout). */
export function registerHandlers(app: App, deps: HandlerDeps): void {
  actions.register(app, deps);
  views.register(app, deps);
  events.register(app, deps);
  commands.register(app, deps);
}
