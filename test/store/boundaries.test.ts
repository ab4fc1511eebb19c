import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const ENGINE_IMPORT = /from ['"](better-sqlite3|pg)['"]|from ['"][^'"]*store\/(sqlite|postgres)\//;

describe('the store is the only way to the database', () => {
  it('no module outside src/store imports better-sqlite3, pg or an engine folder', () => {
    const offenders = ['src', 'handlers', 'blocks']
      .flatMap(sources)
      .filter((file) => !file.startsWith('src/store/'))
      .filter((file) => ENGINE_IMPORT.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('inside src/store, only the engine folders (and the opener) reach an engine', () => {
    const offenders = sources('src/store')
      .filter((file) => !/^src\/store\/(sqlite|postgres)\//.test(file))
      .filter((file) => !['src/store/open.ts', 'src/store/errors.ts', 'src/store/sandbox-workspace.ts'].includes(file))
      .filter((file) => ENGINE_IMPORT.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
