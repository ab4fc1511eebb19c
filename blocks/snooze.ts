import type { StaticSelect } from '@slack/types';
import { who } from './display.js';
import { ActionId } from './ids.js';
import { escapeMrkdwn, slackDate, truncate } from './text.js';

/** The choices the Snooze menu offers, as their values say them (kept in step with src/followups/snooze.ts). */
export type SnoozeMenuChoice = '1h' | 'tomorrow' | 'resume';

const LABELS: Record<SnoozeMenuChoice, string> = {
  '1h': 'Snooze 1 h',
  tomorrow: 'Until tomorrow 9:00',
  resume: 'Resume reminders',
};

const CHOICES = Object.keys(LABELS) as SnoozeMenuChoice[];

/** A live snooze as the card shows it. */
export interface SnoozeState {
  user: string;
  until: number;
}

/** A quiet-hours hold as the card shows it; `wall` is the end as the project's clocks show it (`08:00`). */
export interface QuietState {
  until: number;
  what: 'reminder' | 'escalation';
  tz: string;
  wall: string;
}

/** `<token id>|<choice>`: the value of one Snooze menu option (token ids are at most 128 characters). */
export function encodeSnoozeValue(tokenId: string, choice: SnoozeMenuChoice): string {
  return `${tokenId}|${choice}`;
}

/** The token and choice a Snooze menu value names; undefined for anything rodizio did not offer. */
export function decodeSnoozeValue(value: string): { tokenId: string; choice: SnoozeMenuChoice } | undefined {
  const at = value.lastIndexOf('|');
  if (at <= 0 || at > 128) return undefined;
  const choice = value.slice(at + 1);
  if (!(CHOICES as string[]).includes(choice)) return undefined;
  return { tokenId: value.slice(0, at), choice: choice as SnoozeMenuChoice };
}

/** The Snooze menu of a pending card; "Resume reminders" joins it while a snooze is live. */
export function snoozeMenu(tokenId: string, snoozed: boolean): StaticSelect {
  const choices: SnoozeMenuChoice[] = snoozed ? ['1h', 'tomorrow', 'resume'] : ['1h', 'tomorrow'];
  return {
    type: 'static_select',
    action_id: ActionId.snooze,
    placeholder: { type: 'plain_text', text: '💤 Snooze reminders', emoji: true },
    options: choices.map((choice) => ({
      text: { type: 'plain_text', text: LABELS[choice], emoji: true },
      value: encodeSnoozeValue(tokenId, choice),
    })),
  };
}

/** Within this long a time is shown without its day ("14:00"); later ones say which day. */
const SAME_DAY_MS = 12 * 3_600_000;

function when(ms: number, now: number): string {
  return slackDate(ms, ms - now <= SAME_DAY_MS ? '{time}' : '{date_short_pretty} {time}');
}

/** "💤 Reminders snoozed until 14:00 by @ana" (the deadline is not snoozed, and the card still shows it). */
export function snoozeLine(snooze: SnoozeState, now: number): string {
  return `💤 Reminders snoozed until ${when(snooze.until, now)} by ${who(snooze.user)}`;
}

/** "🌙 Quiet hours: reminders resume at 08:00 (Europe/Lisbon)", or the escalation waits too. */
export function quietLine(quiet: QuietState, now: number): string {
  const what = quiet.what === 'escalation' ? 'the escalation and reminders wait until' : 'reminders resume at';
  const zone = escapeMrkdwn(truncate(quiet.tz, 60));
  return `🌙 Quiet hours: ${what} ${when(quiet.until, now)} (${quiet.wall} ${zone})`;
}

/**
 * What the person who chose Snooze is told; `zone` (for "until tomorrow 9:00") says whose morning that was when it
 * was not their own.
 */
export function snoozedText(p: {
  untilMs: number;
  zone?: { name: string; from: 'quiet_hours' | 'user' | 'utc' };
}): string {
  const zone =
    p.zone?.from === 'quiet_hours'
      ? ` (9:00 in ${escapeMrkdwn(p.zone.name)}, the project's quiet-hours time zone)`
      : p.zone?.from === 'utc'
        ? ' (9:00 UTC: your Slack time zone was not available)'
        : '';
  return `Reminders snoozed until ${slackDate(p.untilMs)}${zone} for everyone on this request; the deadline still counts.`;
}

export const resumedText = 'Reminders are back on for this request.';
export const notSnoozedText = 'Reminders are not snoozed on this request. Nothing changed.';
export const forgedSnoozeText = 'That is not a snooze choice rodizio offers. Nothing changed.';
