import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RodizioClient } from '../client/index.js';
import type { Tmux } from '../delivery/tmux.js';
import type { Reentry, TokenInput } from '../domain/token.js';

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
  print(line: string): void;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * A demo agent: raises one token of each reason (options, a deadline, an answer schema, a critical one
 * needing two approvals) and a phase escalation through a phase file, then prints every reentry as it arrives.
 * Resolves with the reentries once every token has one.
 */
export async function runDemo(options: DemoOptions): Promise<Reentry[]> {
  const { client, print } = options;
  const now = options.now ?? Date.now;
  const tokens = [];
  for (const input of demoTokens(now())) {
    const token = await client.createToken(input);
    tokens.push(token);
    print(`→ asked ${token.id} (${token.reason}): ${token.prompt.split('\n')[0]}`);
  }
  let phaseFile: string | null = null;
  const session = 'dev-demo-app-7';
  if (options.phaseDir) {
    if (options.tmux && !(await options.tmux.hasSession(session))) {
      // A stand-in agent session: guidance typed into it shows up in its pane (no tmux: the reply stays queued).
      await options.tmux.startSession(session, 'cat').catch(() => undefined);
    }
    phaseFile = join(options.phaseDir, 'dev-session-demo-app-7.phase');
    writeFileSync(
      phaseFile,
      'PHASE:escalate\nReason: The integration tests need a staging database I cannot reach. Which one should I use?\n',
    );
    print(`→ wrote ${phaseFile}: PHASE:escalate (a card appears in #oncall; reply in its thread to guide ${session})`);
  }
  print(`… waiting for ${tokens.length} answers (open the sandbox page and answer each card)`);

  let lastPane = '';
  const watchPane = setInterval(async () => {
    const pane = await options.tmux?.capturePane(session, 20).catch(() => undefined);
    if (pane && pane !== lastPane) {
      const fresh = pane.slice(lastPane.length).trim();
      lastPane = pane;
      if (fresh) print(`✉ guidance typed into ${session}:\n${fresh}`);
    }
  }, 1000);
  watchPane.unref();

  try {
    const reentries = await Promise.all(
      tokens.map(async (t) => {
        const reentry = await client.waitForReentry(t.id, { pollSeconds: 25, signal: options.signal });
        print(describe(reentry));
        return reentry;
      }),
    );
    if (phaseFile) {
      writeFileSync(phaseFile, 'PHASE:done\n');
      print(`→ wrote ${phaseFile}: PHASE:done (the escalation closes)`);
    }
    print(`done: all ${reentries.length} answers came back`);
    return reentries;
  } finally {
    clearInterval(watchPane);
  }
}
