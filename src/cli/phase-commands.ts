import { createOnceNotes } from '../delivery/notes.js';
import { createTmux } from '../delivery/tmux.js';
import { createLogger } from '../logger.js';
import { createPhaseBridge, phaseInfo } from '../phase/bridge.js';
import { parsePhaseFileName } from '../phase/parse.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';

export const escalateCommand: Command = {
  name: 'escalate',
  summary: 'Open a phase escalation for an agent session, as PHASE:escalate in its phase file would',
  usage: 'rodizio escalate --project <name> (--issue N | --pr N) [--reason "<text>"] [--json]',
  details:
    "The card goes to the project's escalation channel; replies in its thread are typed into the tmux session\n" +
    'dev-<project>-<issue> (or review-<project>-<pr>). While one is open for the session, calling again prints it.',
  options: {
    project: { type: 'string' },
    issue: { type: 'string' },
    pr: { type: 'string' },
    reason: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: 0,
  async run({ store, values, io, config }) {
    const project = values.project as string | undefined;
    const issue = values.issue as string | undefined;
    const pr = values.pr as string | undefined;
    if (!project) throw new UsageError('--project is required');
    if ((issue === undefined) === (pr === undefined)) throw new UsageError('give exactly one of --issue or --pr');
    const number = issue ?? pr;
    if (!/^\d{1,9}$/.test(number ?? '')) throw new UsageError('--issue / --pr must be a number');
    const kind = issue !== undefined ? 'dev' : 'review';
    const name = parsePhaseFileName(`${kind}-session-${project}-${number}.phase`);
    if (!name) throw new UsageError('--project may hold letters, digits, ".", "_" and "-" only');
    const cfg = config();
    const { store: opened, purgatory } = await store();
    const open = (await purgatory.list({ status: 'pending', project, limit: 1000 })).tokens.find(
      (t) => phaseInfo(t)?.session === name.session,
    );
    const bridge = createPhaseBridge({
      purgatory,
      store: opened.phaseFiles,
      config: cfg,
      tmux: createTmux({ socketName: cfg.tmuxSocket }),
      clock: io.clock,
      logger: createLogger({ level: 'silent' }),
      noteOnce: createOnceNotes(purgatory),
    });
    const reason = (values.reason as string | undefined) ?? null;
    const token =
      open ??
      (await bridge.escalate(name, { phase: 'PHASE:escalate', reason, pr: null }, `cli:${io.clock.now()}`, null));
    if (values.json) io.stdout(`${JSON.stringify(token, null, 2)}\n`);
    else
      io.stdout(
        open
          ? `${token.id} is already open for ${name.session}; nothing new\n`
          : `opened ${token.id} for ${name.session}; replies in its Slack thread are typed into the session\n`,
      );
    return 0;
  },
};
