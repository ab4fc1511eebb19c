import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config.js';
import { createFakeForge, type FakeForge, type FakeForgeOptions, type ForgeDialect } from '../fakes/fake-forge.js';
import { afterTest } from '../helpers/cleanup.js';
import { type FollowupBridge, startFollowupBridge } from '../helpers/followups.js';
import { tempDir } from '../helpers/temp.js';

export const FORGE_TOKEN = 'forge-token-0123456789';
export const REPO = 'acme/web';

/** A started fake forge of the dialect, stopped after the test; accepts FORGE_TOKEN only. */
export async function startFakeForge(
  dialect: ForgeDialect,
  options: Omit<FakeForgeOptions, 'dialect'> = {},
): Promise<FakeForge> {
  const fake = createFakeForge({ dialect, token: FORGE_TOKEN, ...options });
  afterTest(() => fake.stop());
  await fake.start();
  return fake;
}

/**
 * The forge settings an operator would write: GITHUB_TOKEN + GITHUB_API_URL for GitHub, FORGE=gitea with the
 * instance's address (not its /api/v1) and FORGE_TOKEN for Gitea/Forgejo; parsed by loadConfig.
 */
export function forgeEnv(fake: FakeForge): Record<string, string> {
  return fake.dialect === 'gitea'
    ? { FORGE: 'gitea', FORGE_API_URL: fake.origin, FORGE_TOKEN }
    : { GITHUB_API_URL: fake.url, GITHUB_TOKEN: FORGE_TOKEN };
}

export interface ForgeBridge extends FollowupBridge {
  forge: FakeForge;
  /** The phase folder the bridge watches. */
  phaseDir: string;
  /** Writes a phase file, rescans, and runs the jobs that fall due. */
  writePhase(name: string, text: string): Promise<void>;
}

/** A follow-up bridge (fake Slack, manual clock) whose forge is `fake`, configured through the environment. */
export async function startForgeBridge(
  fake: FakeForge,
  options: { file?: Record<string, unknown>; config?: Partial<Config> } = {},
): Promise<ForgeBridge> {
  const env = loadConfig({ PORT: '0', ...forgeEnv(fake) });
  const phaseDir = tempDir();
  const t = await startFollowupBridge({
    file: options.file,
    config: {
      github: env.github,
      githubWebUrl: env.githubWebUrl,
      phase: { enabled: true, dir: phaseDir, dirSet: true, rescanMs: 600_000, events: false },
      ...options.config,
    },
  });
  return {
    ...t,
    forge: fake,
    phaseDir,
    async writePhase(name, text) {
      writeFileSync(join(phaseDir, name), text);
      await t.bridge.phaseWatcher?.scan();
      await t.drain();
    },
  };
}
