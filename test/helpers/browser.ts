import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterTest } from './cleanup.js';
import { ROOT } from './cli.js';

/** Debian's Chromium (installed by .ci/run when missing); CHROMIUM_PATH overrides. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Browser tests run when Chromium is there; CI (`RODIZIO_REQUIRE_BROWSER=1`, set by .ci/run after installing
 * it) makes its absence a failure instead of a skip.
 */
export const BROWSER_AVAILABLE = chromiumPath() !== undefined || process.env.RODIZIO_REQUIRE_BROWSER === '1';

export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** A headless Chromium page at 1280×800, with page errors collected (a test can assert there were none). */
export async function openBrowser(): Promise<{ page: Page; errors: string[] }> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium is not installed: apt-get install -y chromium (or run .ci/run)');
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  afterTest(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { page, errors };
}
