import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';

type HomeArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/** Opening the Home tab publishes the pending tokens this person may answer. */
export function createAppHomeHandler(deps: HandlerDeps) {
  return async ({ event, client }: HomeArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await deps.publishHome(client, event.user);
  };
}
