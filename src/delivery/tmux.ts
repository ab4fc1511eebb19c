import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RodizioError } from '../errors.js';

const run = promisify(execFile);

/** The tmux session is not there (yet): the delivery stays queued. */
export class TmuxSessionMissingError extends RodizioError {
  constructor(session: string) {
    super('tmux_session_missing', `tmux session ${session} does not exist`);
    this.name = 'TmuxSessionMissingError';
  }
}

export interface TmuxOptions {
  /** The tmux executable (default `tmux` on PATH). */
  bin?: string;
  /** `-L <name>`: a tmux server other than the default one (RODIZIO_TMUX_SOCKET; tests use their own). */
  socketName?: string;
  /** Pause between pasting and pressing Enter, so the application has taken the paste in. */
  pauseMs?: number;
}

/**
 * Types text into an agent's tmux session the way the orchestrator convention does: the text goes into a
 * temp file, `load-buffer`, `paste-buffer`, a short pause, `send-keys "" Enter`, `delete-buffer`. tmux is run
 * with argument arrays (no shell), and the text only ever travels through the file, so quotes, `$()`,
 * backticks and newlines arrive as typed and nothing is executed.
 */
export function createTmux(options: TmuxOptions = {}) {
  const bin = options.bin ?? 'tmux';
  const base = options.socketName ? ['-L', options.socketName] : [];
  const tmux = (...args: string[]) => run(bin, [...base, ...args], { timeout: 10_000 });

  async function hasSession(session: string): Promise<boolean> {
    try {
      // `=name` matches the session name exactly instead of as a prefix.
      await tmux('has-session', '-t', `=${session}`);
      return true;
    } catch {
      return false;
    }
  }

  return {
    hasSession,

    /**
     * The session a pane (`%12`) belongs to and the pid of the process it started with, or undefined when there is
     * no such pane (its session ended, or this tmux server is not the one it lives on). Pane ids start again at
     * `%0` on a new tmux server: the pid tells a pane from a later one with the same id.
     */
    async paneInfo(pane: string): Promise<{ session: string; pid: number } | undefined> {
      try {
        const { stdout } = await tmux('display-message', '-p', '-t', pane, '#{pane_pid} #{session_name}');
        const [, pid, session] = /^(\d+) (.+)$/.exec(stdout.trim()) ?? [];
        return pid && session ? { session, pid: Number(pid) } : undefined;
      } catch {
        return undefined;
      }
    },

    /**
     * Pastes `text` into the session's active pane and presses Enter; with `pane` (`%12`), into that pane, which
     * stays the same whichever window or pane the person looks at.
     */
    async inject(session: string, text: string, pane?: string): Promise<void> {
      if (!(await hasSession(session))) throw new TmuxSessionMissingError(session);
      const target = pane ?? `=${session}:`;
      const dir = await mkdtemp(join(tmpdir(), 'rodizio-tmux-'));
      const file = join(dir, 'guidance.txt');
      const buffer = `rodizio-${randomBytes(6).toString('hex')}`;
      try {
        await writeFile(file, text, { mode: 0o600 });
        await tmux('load-buffer', '-b', buffer, file);
        // -p: bracketed paste when the application asked for it, so a multi-line paste is not typed line by line.
        await tmux('paste-buffer', '-p', '-t', target, '-b', buffer);
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 300));
        await tmux('send-keys', '-t', target, '', 'Enter');
      } finally {
        await tmux('delete-buffer', '-b', buffer).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      }
    },

    /** Starts a detached session running `command` (the demo's stand-in agent). */
    async startSession(session: string, command: string): Promise<void> {
      await tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '20', command);
    },

    /** Ends a session (the demo's stand-in, when the demo stops); no error when it is already gone. */
    async killSession(session: string): Promise<void> {
      await tmux('kill-session', '-t', `=${session}`).catch(() => {});
    },

    /** The last `lines` lines of the session's active pane, or undefined when there is no such session. */
    async capturePane(session: string, lines = 50): Promise<string | undefined> {
      if (!(await hasSession(session))) return undefined;
      const { stdout } = await tmux('capture-pane', '-p', '-J', '-t', `=${session}:`, '-S', `-${lines}`);
      return stdout.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
    },
  };
}

export type Tmux = ReturnType<typeof createTmux>;
