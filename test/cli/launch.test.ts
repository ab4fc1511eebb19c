import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A checkout in miniature: the real src/launch.mjs and TypeScript, one source file standing in for the CLI (a
 * full build takes 16–24 s; this one a second or two).
 */
function miniCheckout(): string {
  const dir = tempDir('rodizio-launch-');
  mkdirSync(join(dir, 'src'));
  copyFileSync(join(ROOT, 'src', 'launch.mjs'), join(dir, 'src', 'launch.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mini', type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', outDir: 'dist', rootDir: '.', types: [] },
      include: ['src'],
    }),
  );
  writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json' }));
  writeFileSync(
    join(dir, 'src', 'cli.ts'),
    `declare const process: { argv: string[]; stdout: { write(t: string): void } };\n` +
      `process.stdout.write(\`cli ran with \${JSON.stringify(process.argv.slice(2))}\\n\`);\n`,
  );
  return dir;
}

const launch = (dir: string) =>
  spawnSync(process.execPath, [join(dir, 'src', 'launch.mjs'), 'serve'], { cwd: dir, encoding: 'utf8' });

describe('src/launch.mjs (`npm start`, `npm run demo`)', () => {
  it('builds a missing dist/ once saying so, then runs the built CLI without compiling until a source changes', () => {
    const dir = miniCheckout();
    const first = launch(dir);
    expect(first.stderr.trim().split('\n')).toEqual([
      'rodizio: dist/ is missing: rebuilding it with `tsc -p tsconfig.build.json` first (about 20 s)…',
    ]);
    expect(first.stdout).toBe('cli ran with ["serve"]\n');

    const quick = launch(dir);
    expect(quick.stderr).toBe('');
    expect(quick.stdout).toBe('cli ran with ["serve"]\n');

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'cli.ts'), later, later);
    const stale = launch(dir);
    expect(stale.stderr).toContain('rodizio: src/cli.ts is newer than dist/: rebuilding it');
    expect(stale.stdout).toBe('cli ran with ["serve"]\n');
  });

  it('reports a failed build in one line and does not start', () => {
    const dir = miniCheckout();
    writeFileSync(join(dir, 'src', 'cli.ts'), 'const x: number = "not a number";\n');
    const res = launch(dir);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n').at(-1)).toBe(
      'rodizio: the build failed (tsc exit 2): fix the errors above, then `npm start` again',
    );
  });
});
