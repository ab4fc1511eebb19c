import { parseArgs } from 'node:util';
import { type Clock, systemClock } from '../clock.js';
import { type Config, loadConfig } from '../config.js';
import { ConfigError, RodizioError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { openPurgatory } from '../main.js';
import { packageVersion } from '../package-info.js';
import { describeStoreError } from '../store/errors.js';
import { auditCommand } from './audit-command.js';
import { type CliIo, type Command, type CommandContext, UsageError } from './command.js';
import { demoCommand } from './demo-command.js';
import { eventsCommand } from './events-command.js';
import { hookCommand } from './hook-command.js';
import { importCommand } from './import-command.js';
import { mcpCommand } from './mcp-command.js';
import { migrateStoreCommand } from './migrate-store-command.js';
import { deliveriesCommand, exportCommand, manifestCommand, outboxCommand, redeliverCommand } from './ops-commands.js';
import { escalateCommand } from './phase-commands.js';
import { migrateCommand, serveCommand } from './server-commands.js';
import { statsCommand } from './stats-command.js';
import {
  cancelCommand,
  gcCommand,
  listCommand,
  patchCommand,
  reassignCommand,
  resolveCommand,
  showCommand,
  voidCommand,
} from './token-commands.js';

export const COMMANDS: Command[] = [
  serveCommand,
  listCommand,
  showCommand,
  resolveCommand,
  patchCommand,
  reassignCommand,
  cancelCommand,
  voidCommand,
  escalateCommand,
  gcCommand,
  outboxCommand,
  deliveriesCommand,
  redeliverCommand,
  exportCommand,
  auditCommand,
  eventsCommand,
  statsCommand,
  importCommand,
  manifestCommand,
  demoCommand,
  mcpCommand,
  hookCommand,
  migrateCommand,
  migrateStoreCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `rodizio ${packageVersion()} — semaphore tokens in, reentries out`,
    '',
    'Usage: rodizio <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help. Commands other than serve work on RODIZIO_DB directly, also while a server runs.',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

function help(c: Command): string {
  return [`${c.summary}`, '', `Usage: ${c.usage}`, ...(c.details ? ['', c.details] : []), ''].join('\n');
}

export interface RunCliOptions extends Partial<CliIo> {
  env: NodeJS.ProcessEnv;
  clock?: Clock;
}

/** Runs one CLI invocation and returns its exit code. Has no side effects beyond the command's own. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<number> {
  const io: CliIo = {
    env: options.env,
    stdout: options.stdout ?? ((t) => process.stdout.write(t)),
    stderr: options.stderr ?? ((t) => process.stderr.write(t)),
    clock: options.clock ?? systemClock,
    stopSignal: options.stopSignal,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`rodizio: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr(`rodizio ${name}: ${(err as Error).message}\nUsage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout(help(command));
    return 0;
  }
  const [min, max] =
    typeof command.positionals === 'number' ? [command.positionals, command.positionals] : command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    io.stderr(
      `rodizio ${name}: expected ${min === max ? min : `${min} to ${max}`} argument(s)\nUsage: ${command.usage}\n`,
    );
    return 2;
  }

  let config: Config | undefined;
  let logger: Logger | undefined;
  let opened: ReturnType<typeof openPurgatory> | undefined;
  const ctx: CommandContext = {
    positionals: parsed.positionals,
    values: parsed.values as CommandContext['values'],
    io,
    config: () => {
      config ??= loadConfig(io.env);
      return config;
    },
    logger: () => {
      logger ??= createLogger({ level: ctx.config().logLevel });
      return logger;
    },
    store: () => {
      opened ??= openPurgatory(ctx.config(), io.clock);
      return opened;
    },
  };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`rodizio ${name}: ${err.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr(`rodizio: ${err.message}\n`);
      return 1;
    }
    if (err instanceof RodizioError) {
      const issues = 'issues' in err && Array.isArray(err.issues) ? err.issues : [];
      io.stderr(`rodizio ${name}: ${err.message}\n${issues.map((i) => `  ${i.path}: ${i.message}\n`).join('')}`);
      return 1;
    }
    // The database itself failed (locked past the busy timeout, unwritable, unreachable): one line.
    const storeError = describeStoreError(err);
    if (storeError !== undefined) {
      io.stderr(`rodizio ${name}: ${storeError}\n`);
      return 1;
    }
    io.stderr(`rodizio ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await opened?.then((o) => o.close()).catch(() => {});
  }
}
