import type { SlackServices } from '../src/slack/app.js';

/** What Slack listeners need; built once by the composition root (src/slack/app.ts). */
export type HandlerDeps = SlackServices;
