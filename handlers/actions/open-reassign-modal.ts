import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type GroupChoice, renderReassignModal } from '../../blocks/reassign.js';
import type { HandlerDeps } from '../deps.js';
import { admitClick } from '../tell.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** The groups the modal offers: the workspace's (`usergroups.list`) and any the config file names. */
async function knownGroups(deps: HandlerDeps, client: WebClient): Promise<GroupChoice[]> {
  const groups = new Map<string, string>();
  try {
    const res = await client.usergroups.list({});
    for (const g of res.usergroups ?? []) if (g.id) groups.set(g.id, g.handle || g.name || g.id);
  } catch (err) {
    // Without the list the configured groups still show; with none the modal asks for an S… id instead.
    deps.logger.info({ err }, 'cannot list user groups for the reassign modal');
  }
  for (const project of Object.values(deps.config.file.projects)) {
    for (const id of project.answerers?.groups ?? []) if (!groups.has(id)) groups.set(id, id);
  }
  return [...groups].map(([id, name]) => ({ id, name }));
}

/** "Reassign…": for those allowed to answer, opens the modal to pick a person, a group or a channel. */
export function createOpenReassignModalHandler(deps: HandlerDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const place = { userId: body.user.id, channel: body.channel?.id, triggerId: body.trigger_id };
    const token = await admitClick(deps, client, place, action.value);
    if (!token) return;
    const view = renderReassignModal(
      token,
      { token_id: token.id, channel: body.channel?.id ?? null },
      await knownGroups(deps, client),
    );
    try {
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (err) {
      deps.logger.warn({ err, token_id: token.id }, 'cannot open the reassign modal');
    }
  };
}
