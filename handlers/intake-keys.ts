/**
 * Intake keys: Slack's own ids for one request, so a retry or a replay of it lands on the same row. Each names
 * the surface first, so keys of different kinds never collide.
 */

/** A click or pick: the same element, on the same message or view, by the same person, at the same action_ts. */
export function actionKey(a: { actionId: string; where: string; user: string; actionTs: string }): string {
  return `action:${a.actionId}:${a.where}:${a.user}:${a.actionTs}`;
}

/** A modal submission: the view's hash changes whenever the view is updated, so it names this version of it. */
export function viewKey(viewId: string, hashOrUser: string): string {
  return `view:${viewId}:${hashOrUser}`;
}

/** A message: its channel and ts, whichever event (and event id) delivered it. */
export function messageKey(channel: string, ts: string): string {
  return `message:${channel}:${ts}`;
}

/** A slash command carries no id of its own; its trigger id is unique per invocation. */
export function commandKey(triggerId: string): string {
  return `command:${triggerId}`;
}
