import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { CLI_ENTRY, ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { tempDbPath } from '../helpers/temp.js';

describe('rodizio serve in a terminal', () => {
  it('prints readable lines, and the "open …/sandbox" line stands out', async () => {
    const port = await freePort();
    // script(1) gives the bridge a pseudo-terminal as stdout, as when a person runs `npm start`.
    const child = spawn('script', ['-qfec', `${process.execPath} ${CLI_ENTRY} serve`, '/dev/null'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        TERM: 'xterm',
        RODIZIO_ENV_FILE: '',
        PORT: String(port),
        RODIZIO_DB: tempDbPath(),
        RODIZIO_PHASE_WATCH: 'false',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    try {
      await vi.waitUntil(() => out.includes('rodizio listening on'), { timeout: 15_000 });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is being removed.
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
      expect(plain).not.toContain('{"level"');
      expect(plain).toMatch(/^\d\d:\d\d:\d\d INFO {2}rodizio listening on http:\/\/127\.0\.0\.1:\d+ {2}/m);
      // The banner: set apart by blank lines, an arrow, its URL underlined in bold.
      expect(plain).toMatch(
        new RegExp(`(^|\\n)\\n {2}▶ sandbox: .*open http://127\\.0\\.0\\.1:${port}/sandbox .*\\n\\n`),
      );
      expect(out).toContain(`\x1b[1;4;36mhttp://127.0.0.1:${port}/sandbox\x1b[0m`);
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }
  });
});
