import type { RodizioBackend } from './backend.js';

/** What every tool is built with: the backend and the defaults the server was started with. */
export interface ToolDeps {
  backend: RodizioBackend;
  /** Between two progress notifications while a tool waits. */
  progressIntervalMs: number;
  /** Tokens' project (its channel, answerers and policies apply). */
  project?: string;
  /** Tokens' and notices' Slack channel, instead of the project's or SLACK_CHANNEL. */
  channel?: string;
  /** A deadline for permission requests, in minutes: past it the request is denied as unanswered. */
  permissionDeadlineMinutes?: number;
}

/** An ISO deadline `minutes` from `nowMs` (rodizio writes its own times in UTC). */
export function deadlineIn(minutes: number, nowMs: number): string {
  return new Date(nowMs + Math.round(minutes * 60_000)).toISOString();
}
