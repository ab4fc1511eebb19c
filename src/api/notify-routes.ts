import type { Notifier } from '../slack/notice.js';
import type { Authenticator } from './auth.js';
import { readJsonBody } from './http.js';
import type { Router } from './router.js';

/** `POST /v1/notify`: an agent's notice to people, posted through the outbox without waiting (202). */
export function registerNotifyRoutes(router: Router, deps: { notifier: Notifier; auth: Authenticator }): void {
  router.add('POST', '/v1/notify', async ({ req }) => {
    const actor = deps.auth.authenticate(req);
    const result = await deps.notifier.notify(await readJsonBody(req), actor);
    return { status: 202, body: result };
  });
}
