#!/usr/bin/env node
// `npm start` and `npm run demo`: runs the built CLI (dist/), rebuilding it first only when it is missing or a
// source file is newer than it. `prepare` builds at install, so the usual start pays no compile (16–24 s of tsc
// on two cores). Plain JavaScript on purpose: it must run before dist/ exists, and without tsx's start-up cost.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'src', 'cli.js');
const say = (line) => process.stderr.write(`rodizio: ${line}\n`);

/** The most recently modified input of the build (TypeScript under src/ blocks/ handlers/, the tsconfigs). */
function newestInput() {
  let newest = { file: '', mtimeMs: 0 };
  const consider = (file) => {
    const { mtimeMs } = statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  };
  for (const dir of ['src', 'blocks', 'handlers']) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir), { recursive: true })) {
      if (name.endsWith('.ts')) consider(join(root, dir, name));
    }
  }
  for (const name of ['tsconfig.json', 'tsconfig.build.json']) consider(join(root, name));
  return newest;
}

/**
 * Why dist/ must be rebuilt, or undefined when it is current. The build stamp is dist/src/cli.js: every build
 * rewrites it, and it is what `start` runs.
 */
function staleness() {
  if (!existsSync(entry)) return 'dist/ is missing';
  const newest = newestInput();
  if (newest.mtimeMs > statSync(entry).mtimeMs) return `${relative(root, newest.file)} is newer than dist/`;
  return undefined;
}

const why = staleness();
if (why) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    say(`${why}, and TypeScript is not installed to rebuild it: run \`npm install\` (with dev dependencies)`);
    process.exit(1);
  }
  say(`${why}: rebuilding it with \`tsc -p tsconfig.build.json\` first (about 20 s)…`);
  const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (build.status !== 0) {
    say(`the build failed (tsc exit ${build.status ?? build.signal}): fix the errors above, then \`npm start\` again`);
    process.exit(1);
  }
}
await import(pathToFileURL(entry).href);
