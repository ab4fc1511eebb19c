import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
let version: string | undefined;

/** The folder holding rodizio's package.json, whether running from `src/` (tsx) or `dist/src/` (built). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'rodizio') {
      root = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find rodizio package.json above this module');
}

/**
 * rodizio's version from package.json, read once: every webhook's user-agent carries it, and reading the file per
 * delivery cost about 0.2 ms of a replica's CPU (a tenth of a webhook delivery's).
 */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
