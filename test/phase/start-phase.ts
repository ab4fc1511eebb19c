import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseWatcher } from '../../src/phase/watcher.js';
import type { SlackMessage } from '../../src/sandbox/fake-slack.js';
import { type FollowupBridge, startFollowupBridge } from '../helpers/followups.js';
import { tempDir } from '../helpers/temp.js';

export const ESCALATIONS = 'C0WEBONCALL';
export const FILE_CONFIG = {
  projects: {
    'my-web-app': {
      repo: 'acme/web',
      escalation_channel: ESCALATIONS,
      oncall: 'S0ONCALL',
      answerers: { users: ['U0ALICE'] },
    },
  },
};

export interface PhaseHarness {
  t: FollowupBridge;
  dir: string;
  watcher: PhaseWatcher;
  /** Writes a phase file, rescans and runs the outbox jobs that fall due. */
  write(name: string, text: string): Promise<void>;
  /** The cards in the escalation channel. */
  cards(): readonly SlackMessage[];
  /** What the bot said in a card's thread, oldest first. */
  botThread(ts: string | undefined): (string | undefined)[];
}

/** A bridge watching a temp phase folder (real watcher, fake Slack and GitHub), with helpers to write files. */
export async function startPhase(
  options: { dir?: string; dbPath?: string; socket?: string; fake?: FollowupBridge['fake'] } = {},
): Promise<PhaseHarness> {
  const dir = options.dir ?? tempDir();
  const t = await startFollowupBridge({
    file: FILE_CONFIG,
    dbPath: options.dbPath,
    fake: options.fake,
    // Rescans are slow here so each test decides when to read the folder: scan() or a watch event.
    config: {
      phase: { enabled: true, dir, dirSet: true, rescanMs: 600_000, events: true },
      ...(options.socket ? { tmuxSocket: options.socket } : {}),
    },
  });
  const watcher = t.bridge.phaseWatcher;
  if (!watcher) throw new Error('phase watching is off');
  const write = async (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    await watcher.scan();
    await t.drain();
  };
  const cards = () => t.fake.messages(ESCALATIONS);
  const botThread = (ts: string | undefined) =>
    t.fake
      .thread(ESCALATIONS, ts as string)
      .filter((m) => m.bot_id)
      .map((m) => m.text);
  return { t, dir, watcher, write, cards, botThread };
}
