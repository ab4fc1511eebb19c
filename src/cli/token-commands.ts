import { userInfo } from 'node:os';
import { Severity, TokenStatus } from '../domain/token.js';
import { parseJsonText } from '../json.js';
import { formatIsoTime, parseDuration } from '../time.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';
import { describeToken, TOKEN_HEADERS, table, tokenRow } from './format.js';

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

function answerText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const listCommand: Command = {
  name: 'list',
  summary: 'List tokens, newest first',
  usage: 'rodizio list [--status pending|resolved|cancelled|expired] [--project P] [--runner R] [--limit N] [--json]',
  options: {
    status: { type: 'string' },
    project: { type: 'string' },
    runner: { type: 'string' },
    limit: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: 0,
  async run({ store, values, io }) {
    const status = values.status === undefined ? undefined : TokenStatus.safeParse(values.status);
    if (status && !status.success) throw new UsageError(`--status must be one of ${TokenStatus.options.join(', ')}`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be 1 to 10000');
    const { purgatory } = await store();
    const { tokens } = await purgatory.list({
      status: status?.data,
      project: values.project as string | undefined,
      runner: values.runner as string | undefined,
      limit,
    });
    if (values.json) io.stdout(`${JSON.stringify(tokens, null, 2)}\n`);
    else if (tokens.length === 0) io.stdout('no tokens\n');
    else
      io.stdout(
        `${table(
          TOKEN_HEADERS,
          tokens.map((t) => tokenRow(t, io.clock.now())),
        )}\n`,
      );
    return 0;
  },
};

export const showCommand: Command = {
  name: 'show',
  summary: 'Show one token with its history',
  usage: 'rodizio show <token-id> [--json]',
  options: { ...JSON_OPTION },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    const { purgatory } = await store();
    const token = await purgatory.get(positionals[0] as string);
    const history = await purgatory.history(token.id);
    if (values.json) io.stdout(`${JSON.stringify({ ...token, history }, null, 2)}\n`);
    else io.stdout(`${describeToken(token, history)}\n`);
    return 0;
  },
};

export const resolveCommand: Command = {
  name: 'resolve',
  summary: 'Answer a pending token (the first answer wins)',
  usage: 'rodizio resolve <token-id> (--input <text> | --json-input <json>) [--by <name>] [--json]',
  details: '--input sends the text as a string; --json-input sends any JSON value (an object for schema forms).',
  options: { input: { type: 'string' }, 'json-input': { type: 'string' }, by: { type: 'string' }, ...JSON_OPTION },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    const text = values.input as string | undefined;
    const json = values['json-input'] as string | undefined;
    if ((text === undefined) === (json === undefined))
      throw new UsageError('give exactly one of --input or --json-input');
    let humanInput: unknown = text;
    if (json !== undefined) {
      try {
        // The same depth limit as the API: a deeply nested answer must not overflow validation's stack.
        humanInput = parseJsonText(json, '--json-input');
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const { purgatory } = await store();
    const by = (values.by as string | undefined) ?? defaultActor();
    const result = await purgatory.resolve(positionals[0] as string, { humanInput, by, byName: by, via: 'cli' });
    if (values.json) io.stdout(`${JSON.stringify({ changed: result.changed, reentry: result.reentry }, null, 2)}\n`);
    if (!result.changed) {
      const t = result.token;
      io.stderr(
        `${t.id} is already ${t.status}${t.answered_by ? ` by ${t.answered_by_name ?? t.answered_by}` : ''}` +
          `${t.human_input !== null ? ` — ${answerText(t.human_input)}` : ''}; nothing changed\n`,
      );
      return 1;
    }
    if (!values.json) io.stdout(`resolved ${result.token.id} with ${answerText(humanInput)}\n`);
    return 0;
  },
};

/** `--deadline`: an ISO time (naive ones read like the agent's), a duration from now (`2h`), or `none`. */
function deadlineOption(text: string, nowMs: number): string | null {
  if (text === 'none') return null;
  const ahead = parseDuration(text);
  return ahead === undefined ? text : formatIsoTime(nowMs + ahead);
}

export const patchCommand: Command = {
  name: 'patch',
  summary: "Change a pending token's deadline, escalation, severity, prompt or options",
  usage:
    'rodizio patch <token-id> [--deadline <time|duration|none>] [--escalation <who|none>] ' +
    '[--severity info|warning|critical] [--prompt <text>] [--options a,b] [--by <name>] [--json]',
  details: [
    '--deadline takes an ISO time or a duration from now (2h, 1d); a time without an offset is read like the',
    "agent's own: in the runner's time zone, else at the offset inferred when the token was created, else UTC.",
    '"none" clears the deadline or the escalation. --options replaces the options (comma-separated).',
    'The card is updated; a token already escalated stays escalated.',
  ].join('\n'),
  options: {
    deadline: { type: 'string' },
    escalation: { type: 'string' },
    severity: { type: 'string' },
    prompt: { type: 'string' },
    options: { type: 'string' },
    by: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    const text = (name: string) => values[name] as string | undefined;
    const changes: Record<string, unknown> = {};
    const deadline = text('deadline');
    if (deadline !== undefined) changes.deadline = deadlineOption(deadline, io.clock.now());
    const escalation = text('escalation');
    if (escalation !== undefined) changes.escalation = escalation === 'none' ? null : escalation;
    const severity = text('severity');
    if (severity !== undefined) {
      if (!Severity.safeParse(severity).success) {
        throw new UsageError(`--severity must be one of ${Severity.options.join(', ')}`);
      }
      changes.severity = severity;
    }
    const prompt = text('prompt');
    if (prompt !== undefined) changes.prompt = prompt;
    const options = text('options');
    if (options !== undefined) changes.options = options.split(',').map((o) => o.trim());
    if (Object.keys(changes).length === 0) {
      throw new UsageError('give at least one of --deadline, --escalation, --severity, --prompt, --options');
    }
    const { purgatory } = await store();
    // The CLI works on the database directly, as the operator: it may change any runner's token.
    const result = await purgatory.patch(positionals[0] as string, changes, {
      runner: text('by') ?? defaultActor(),
      admin: true,
    });
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ changed: result.changed, fields: result.fields, token: result.token }, null, 2)}\n`,
      );
    } else if (result.changed) {
      io.stdout(`patched ${result.token.id}: ${result.fields.join(', ')}\n`);
    } else {
      io.stdout(`${result.token.id} already has these values; nothing changed\n`);
    }
    return 0;
  },
};

export const reassignCommand: Command = {
  name: 'reassign',
  summary: 'Route a pending token to another person, user group or channel',
  usage: 'rodizio reassign <token-id> (--user U… | --group S… | --channel C…) [--note <text>] [--by <name>] [--json]',
  details: [
    'A person or group becomes who may answer; the card is updated and they are mentioned in its thread.',
    'A channel moves the card there (anyone in it may answer); the old card links to the new one.',
    'Reminders and the 24-hour blocked clock carry on from when the token arrived.',
  ].join('\n'),
  options: {
    user: { type: 'string' },
    group: { type: 'string' },
    channel: { type: 'string' },
    note: { type: 'string' },
    by: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    const text = (name: string) => values[name] as string | undefined;
    const to = Object.fromEntries(
      (['user', 'group', 'channel'] as const).flatMap((k) => (text(k) === undefined ? [] : [[k, text(k)]])),
    );
    if (Object.keys(to).length !== 1) throw new UsageError('give exactly one of --user, --group or --channel');
    const note = text('note');
    const by = text('by') ?? defaultActor();
    const { purgatory } = await store();
    // The CLI works on the database directly, as the operator: it may reassign any runner's token.
    const result = await purgatory.reassign(
      positionals[0] as string,
      { to, ...(note === undefined ? {} : { note }), by },
      { runner: by, admin: true, via: 'cli' },
    );
    if (values.json) io.stdout(`${JSON.stringify({ changed: result.changed, token: result.token }, null, 2)}\n`);
    else if (result.changed) io.stdout(`reassigned ${result.token.id} to ${Object.values(to)[0]}\n`);
    else io.stdout(`${result.token.id} is already assigned there; nothing changed\n`);
    return 0;
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'Cancel a pending token; the agent gets a reentry with outcome "cancelled"',
  usage: 'rodizio cancel <token-id> [--reason <text>] [--by <name>] [--json]',
  options: { reason: { type: 'string' }, by: { type: 'string' }, ...JSON_OPTION },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    const { purgatory } = await store();
    const result = await purgatory.cancel(positionals[0] as string, {
      actor: (values.by as string | undefined) ?? defaultActor(),
      via: 'cli',
      reason: values.reason as string | undefined,
    });
    if (values.json) io.stdout(`${JSON.stringify({ changed: result.changed, token: result.token }, null, 2)}\n`);
    if (!result.changed) {
      io.stderr(`${result.token.id} is already ${result.token.status}; nothing changed\n`);
      return 1;
    }
    if (!values.json) io.stdout(`cancelled ${result.token.id}\n`);
    return 0;
  },
};

export const voidCommand: Command = {
  name: 'void',
  summary: 'Expire every pending token whose deadline has passed, whatever its policy',
  usage: 'rodizio void [--json]',
  options: { ...JSON_OPTION },
  positionals: 0,
  async run({ store, values, io }) {
    const { purgatory } = await store();
    const expired: string[] = [];
    for (;;) {
      const due = await purgatory.due(500);
      if (due.length === 0) break;
      for (const t of due) {
        if ((await purgatory.expire(t.id, { actor: defaultActor(), via: 'cli' })).changed) expired.push(t.id);
      }
    }
    if (values.json) io.stdout(`${JSON.stringify({ expired }, null, 2)}\n`);
    else io.stdout(expired.length ? `expired ${expired.length}: ${expired.join(' ')}\n` : 'no overdue tokens\n');
    return 0;
  },
};

export const gcCommand: Command = {
  name: 'gc',
  summary: 'Delete answered, cancelled and expired tokens older than a retention (audit rows go with them)',
  usage: 'rodizio gc [--older-than 30d] [--json]',
  details: 'Durations: 90s, 12h, 30d, 2w. Run "rodizio export" first to archive the audit log.',
  options: { 'older-than': { type: 'string' }, ...JSON_OPTION },
  positionals: 0,
  async run({ store, values, io }) {
    const text = (values['older-than'] as string | undefined) ?? '30d';
    const retention = parseDuration(text);
    if (retention === undefined) throw new UsageError(`--older-than "${text}" is not a duration such as 30d or 12h`);
    const { purgatory } = await store();
    const deleted = await purgatory.gc(retention);
    if (values.json) io.stdout(`${JSON.stringify({ deleted })}\n`);
    else io.stdout(`deleted ${deleted} token${deleted === 1 ? '' : 's'} closed more than ${text} ago\n`);
    return 0;
  },
};
