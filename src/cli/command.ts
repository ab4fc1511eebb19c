import type { ParseArgsConfig } from 'node:util';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { Store } from '../store/store.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  clock: Clock;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  stopSignal?: Promise<void>;
  /** Waits between polls (`demo` waiting for a starting bridge); tests pass one that advances their clock. */
  sleep: (ms: number) => Promise<void>;
}

export interface CommandContext {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  io: CliIo;
  /** Loads (once) the configuration; throws ConfigError naming the bad variable. */
  config: () => Config;
  logger: () => Logger;
  /** Opens (once) the purgatory on RODIZIO_DB; runCli closes it when the command ends. */
  store: () => Promise<{ store: Store; purgatory: Purgatory }>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra lines for `--help`. */
  details?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments: exact count or [min, max]. */
  positionals: number | [number, number];
  run(ctx: CommandContext): Promise<number> | number;
}

/** A usage mistake: printed with the verb's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const JSON_OPTION = { json: { type: 'boolean' as const } };
