import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RodizioClient } from '../client/index.js';
import type { Tmux } from '../delivery/tmux.js';
import type { Reentry, TokenInput } from '../domain/token.js';
import { guidanceText } from '../phase/guidance.js';

/** The demo's questions: one per reason, with the features people ask about. */
export function demoTokens(nowMs: number): TokenInput[] {
  return [
    {
      reason: 'approval_needed',
      prompt: 'Deploy build *412* of `web` to production? CI is green and the canary looked healthy for 30 minutes.',
      options: ['Deploy', 'Hold'],
      project: 'web',
      original_event: { type: 'deploy', build: 412 },
      frozen_state: Buffer.from('{"step":"deploy","build":412}').toString('base64'),
    },
    {
      reason: 'context_required',
      prompt: 'Which database should the nightly migration run against? Reply in the thread.',
      project: 'data',
      original_event: { type: 'migration' },
    },
    {
      reason: 'sensitive_action',
      severity: 'critical',
      prompt: 'Rotate the production API keys now? Every client reconnects. Needs *two* people.',
      options: ['Rotate now', 'Wait'],
      required_approvals: 2,
      requested_by: 'U0DAVE',
      project: 'platform',
    },
    {
      reason: 'ambiguous_choice',
      prompt: 'Two tests are flaky on main. Which should I quarantine?',
      options: ['test_checkout', 'test_login', 'Both', 'Neither', 'Ask the owners', 'Rerun first'],
      deadline: new Date(nowMs + 15 * 60_000).toISOString(),
      escalation: 'oncall',
      project: 'web',
    },
    {
      reason: 'resource_decision',
      prompt: 'Scale the canary: how many replicas, and in which region?',
      answer_schema: {
        type: 'object',
        title: 'Canary capacity',
        properties: {
          replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 20 },
          region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'us-east-1', 'ap-south-1'] },
          dry_run: { type: 'boolean', title: 'Dry run first?' },
        },
        required: ['replicas', 'region'],
      },
      project: 'web',
    },
    {
      reason: 'error_recovery',
      severity: 'warning',
      prompt:
        'The deploy failed at the database migration step (lock timeout). Retry, roll back, or skip the migration?',
      options: ['Retry', 'Roll back', 'Skip migration'],
      destructive_options: ['Roll back'],
      project: 'web',
    },
  ];
}

function describe(r: Reentry): string {
  const answer = typeof r.human_input === 'string' ? `"${r.human_input}"` : JSON.stringify(r.human_input);
  const who = r.answered_by_name ?? r.answered_by ?? 'nobody';
  return `${r.outcome === 'resolved' ? '✓' : '•'} ${r.token_id} ${r.outcome}: ${answer} by ${who} via ${r.via ?? '-'}${
    r.notes.length ? ` (+${r.notes.length} note${r.notes.length === 1 ? '' : 's'})` : ''
  }`;
}

export interface DemoOptions {
  client: RodizioClient;
  /** Where the bridge watches for phase files; null skips the phase escalation. */
  phaseDir: string | null;
  /** Used to show guidance typed into the demo session, when tmux is there. */
  tmux?: Tmux;
  /**
   * The phase the bridge last acted on for a phase file (its phase-file state), when the demo can read the
   * bridge's database: the demo then removes its file only after the bridge has seen `PHASE:done`.
   */
  phaseSeen?: (file: string) => Promise<string | undefined>;
  print(line: string): void;
  now?: () => number;
  signal?: AbortSignal;
}

const SESSION = 'dev-demo-app-7';
const PHASE_FILE = 'dev-session-demo-app-7.phase';

/**
 * Resolves true once `check()` is true (polled), false after `timeoutMs`; rejects when `signal` aborts. Its timer
 * keeps the process alive on purpose: the CLI has nothing else to wait on meanwhile.
 */
function until(
  check: () => boolean | Promise<boolean>,
  signal: AbortSignal | undefined,
  timeoutMs = Infinity,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      if (await check()) return resolve(true);
      if (Date.now() >= deadline) return resolve(false);
      setTimeout(tick, 200);
    };
    void tick();
  });
}

/**
 * A demo agent: raises one token of each reason (options, a deadline, an answer schema, a critical one
 * needing two approvals) and a phase escalation through a phase file, then prints every reentry as it arrives.
 * Once every token has its answer it waits for a reply to the escalation (when it can see one: tmux), closes it
 * with `PHASE:done`, and resolves with the reentries. Whatever it made — the phase file, the stand-in tmux
 * session — it removes when it ends, also when stopped (`signal`) or failing.
 */
export async function runDemo(options: DemoOptions): Promise<Reentry[]> {
  const { client, print, tmux, signal } = options;
  const now = options.now ?? Date.now;
  const tokens = [];
  for (const input of demoTokens(now())) {
    const token = await client.createToken(input);
    tokens.push(token);
    print(`→ asked ${token.id} (${token.reason}): ${token.prompt.split('\n')[0]}`);
  }
  let phaseFile: string | null = null;
  let madeSession = false;
  let guided = false;
  let lastPane = '';
  // The stand-in prints a line only once it is entered, and the guidance's last line is entered by the bridge's
  // final Enter: once it shows, the whole reply arrived and the session may be closed without cutting it short.
  const lastGuidanceLine = guidanceText({ kind: 'dev', number: 0 }, '', '').split('\n').at(-1) ?? '';
  const watchPane = setInterval(async () => {
    const pane = await tmux?.capturePane(SESSION, 20).catch(() => undefined);
    if (pane && pane !== lastPane) {
      const fresh = pane.startsWith(lastPane) ? pane.slice(lastPane.length).trim() : pane.trim();
      lastPane = pane;
      if (pane.includes(lastGuidanceLine)) guided = true;
      if (fresh) {
        print(`✉ guidance typed into ${SESSION}:\n${fresh}`);
      }
    }
  }, 500);
  watchPane.unref();

  try {
    if (options.phaseDir) {
      // Private to this user (see phaseDirFor in src/config.ts): another bridge on the machine cannot act on it.
      mkdirSync(options.phaseDir, { recursive: true, mode: 0o700 });
      if (tmux && !(await tmux.hasSession(SESSION))) {
        // A stand-in agent session. `stty -echo`: the terminal would echo pasted guidance before `cat` prints
        // it, showing everything twice.
        madeSession = await tmux
          .startSession(SESSION, 'stty -echo; exec cat')
          .then(() => true)
          .catch(() => false);
      }
      phaseFile = join(options.phaseDir, PHASE_FILE);
      writeFileSync(
        phaseFile,
        'PHASE:escalate\nReason: The integration tests need a staging database I cannot reach. Which one should I use?\n',
        { mode: 0o600 },
      );
      print(
        `→ wrote ${phaseFile}: PHASE:escalate (a card appears in #oncall; reply in its thread to guide ${SESSION})`,
      );
    }
    print(`… waiting for ${tokens.length} answers (open the sandbox page and answer each card)`);

    const reentries = await Promise.all(
      tokens.map(async (t) => {
        const reentry = await client.waitForReentry(t.id, { pollSeconds: 25, signal });
        print(describe(reentry));
        return reentry;
      }),
    );
    if (phaseFile) {
      const session = madeSession || (await tmux?.hasSession(SESSION).catch(() => false));
      if (session && !guided) {
        print(
          `… one more: the escalation in #oncall is still open. Reply in its thread; the reply is typed into ${SESSION} (Ctrl-C to stop)`,
        );
        await until(() => guided, signal);
      } else if (!session) {
        print(`→ no tmux here, so replies to the #oncall escalation stay queued (the thread says so); closing it`);
      }
      writeFileSync(phaseFile, 'PHASE:done\n', { mode: 0o600 });
      const seen = options.phaseSeen;
      if (seen) {
        const file = phaseFile;
        // Removing the file before the bridge read `done` would close the escalation as cancelled instead.
        await until(async () => (await seen(file)) === 'PHASE:done', signal, 15_000);
      }
      print(`→ wrote ${phaseFile}: PHASE:done (the escalation closes)`);
    }
    print(`done: all ${reentries.length} answers came back`);
    return reentries;
  } finally {
    clearInterval(watchPane);
    if (phaseFile) rmSync(phaseFile, { force: true });
    if (madeSession) await tmux?.killSession(SESSION);
  }
}
