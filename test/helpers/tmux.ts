import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { afterTest } from './cleanup.js';
import { tempDir } from './temp.js';

/**
 * A tmux socket no test starts a server on: the default for test bridges, so a bridge that tries to type into a
 * session finds none, and a test never reaches the tmux server of the person running the suite.
 */
export const NO_TMUX_SERVER = 'rodizio-test-no-server';

/** A private tmux server (its own `-L` socket) for one test, killed afterwards. */
export function privateTmux() {
  const socket = `rodizio-test-${randomBytes(4).toString('hex')}`;
  afterTest(() => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // the server already exited with its last session
    }
  });
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  return {
    socket,
    tmux,
    /** A session running `cat > file`: whatever is typed into it lands in the file, byte for byte. */
    catSession(name: string): { file: string; read(): string; finish(): Promise<string> } {
      const file = join(tempDir(), `${name}.typed`);
      tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', `cat > '${file}'`);
      const read = () => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      };
      return {
        file,
        read,
        /** Sends Ctrl-D so cat flushes and exits, then returns what it wrote. */
        async finish() {
          tmux('send-keys', '-t', `=${name}:`, 'C-d');
          await vi.waitUntil(() => !hasSession(name), { timeout: 3000, interval: 20 });
          return read();
        },
      };
    },
  };
  function hasSession(name: string): boolean {
    try {
      execFileSync('tmux', ['-L', socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }
}
