import { RodizioClient } from '../client/index.js';
import { createTmux } from '../delivery/tmux.js';
import { runDemo } from '../sandbox/demo.js';
import { readSandboxToken } from '../sandbox/token-file.js';
import { openStore } from '../store/open.js';
import type { CliIo, Command } from './command.js';

/** How long the demo waits for a bridge that answers /healthz "starting" (it is connecting to Slack). */
export const STARTING_WAIT_MS = 30_000;
const STARTING_POLL_MS = 250;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a demo agent against the local bridge: one question of each kind, then print the answers',
  usage: 'rodizio demo [--url http://127.0.0.1:3000] [--token <runner secret>] [--no-phase]',
  details:
    'Start the bridge first (`npm start`), open http://127.0.0.1:3000/sandbox, then run this and answer each card.\n' +
    `A bridge whose /healthz still says "starting" is waited for, up to ${STARTING_WAIT_MS / 1000} s.\n` +
    'The token defaults to RODIZIO_DEMO_TOKEN, the `demo` runner of RODIZIO_API_TOKENS, or the sandbox token file.',
  options: { url: { type: 'string' }, token: { type: 'string' }, 'no-phase': { type: 'boolean' } },
  positionals: 0,
  async run({ values, io, config }) {
    const cfg = config();
    const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
    const baseUrl = (values.url as string | undefined) ?? `http://${host}:${cfg.port}`;
    const token =
      (values.token as string | undefined) ??
      io.env.RODIZIO_DEMO_TOKEN ??
      cfg.apiTokens.get('demo') ??
      [...cfg.apiTokens.values()][0] ??
      readSandboxToken(cfg.dbPath);
    if (!token) {
      io.stderr(
        'rodizio demo: no runner secret: start the bridge first (`npm start` makes one in sandbox mode) or pass --token\n',
      );
      return 1;
    }
    const unready = await waitUntilServing(baseUrl, io);
    if (unready) {
      io.stderr(`rodizio demo: ${unready}\n`);
      return 1;
    }
    io.stdout(`rodizio demo: asking ${baseUrl} as an agent; open ${baseUrl}/sandbox to answer\n`);
    // Ctrl-C stops the waiting at once rather than after the next long-poll.
    const stop = new AbortController();
    void io.stopSignal?.then(() => stop.abort());
    const phaseDir = values['no-phase'] || !cfg.phase.enabled ? null : cfg.phase.dir;
    if (phaseDir)
      io.stdout(`rodizio demo: phase files go to ${phaseDir} (RODIZIO_PHASE_DIR), where the bridge watches\n`);
    await runDemo({
      client: new RodizioClient({ baseUrl, token }),
      phaseDir,
      tmux: createTmux({ socketName: cfg.tmuxSocket }),
      phaseSeen: (file) => phaseSeenBy(cfg.dbPath, file),
      print: (line) => io.stdout(`${line}\n`),
      signal: stop.signal,
    }).catch((err: unknown) => {
      if (!stop.signal.aborted) throw err;
    });
    if (stop.signal.aborted) {
      io.stdout('rodizio demo: stopped\n');
      return 130;
    }
    return 0;
  },
};

/**
 * The phase the bridge last acted on for `file`, read from its database (the demo runs beside the bridge: it
 * writes into the bridge's phase folder); undefined when the database cannot be read.
 */
async function phaseSeenBy(dbPath: string, file: string): Promise<string | undefined> {
  try {
    const store = await openStore(dbPath, { migrate: false });
    try {
      return (await store.phaseFiles.get(file))?.phase;
    } finally {
      await store.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Undefined once the bridge at `baseUrl` serves, else a sentence saying what is wrong. A bridge still starting
 * (`npm start` run a moment ago: its port is open, Slack not yet connected) answers /healthz 503 "starting", and
 * is waited for up to STARTING_WAIT_MS.
 */
async function waitUntilServing(baseUrl: string, io: CliIo): Promise<string | undefined> {
  const deadline = io.clock.now() + STARTING_WAIT_MS;
  let said = false;
  for (;;) {
    let status: number;
    let state: unknown;
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      status = res.status;
      const body: unknown = await res.json().catch(() => undefined);
      state = body !== null && typeof body === 'object' ? (body as { status?: unknown }).status : undefined;
    } catch (err) {
      return `cannot reach the bridge at ${baseUrl} (${(err as Error).message}); is \`npm start\` running?`;
    }
    if (status === 200) return undefined;
    if (status !== 503 || state !== 'starting') {
      const named = typeof state === 'string' ? ` "${state}"` : '';
      return `the bridge at ${baseUrl} answered /healthz ${status}${named}; see its log`;
    }
    if (io.clock.now() >= deadline) {
      return `the bridge at ${baseUrl} is still starting after ${STARTING_WAIT_MS / 1000} s; see its log`;
    }
    if (!said) io.stdout(`rodizio demo: the bridge at ${baseUrl} is starting; waiting for it\n`);
    said = true;
    await io.sleep(STARTING_POLL_MS);
  }
}
