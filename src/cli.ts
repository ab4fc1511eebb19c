#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { runCli } from './cli/index.js';

// The executable: the only place that touches process.argv, process.env, signals and the exit code.
// A .env file in the working directory (or RODIZIO_ENV_FILE; empty: none) fills in what the environment does not set.
const envFile = process.env.RODIZIO_ENV_FILE ?? '.env';
if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);

// A promise some listener forgot to await must not end the bridge: log it as one JSON line and keep serving.
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? { type: reason.name, message: reason.message, stack: reason.stack } : reason;
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), err, msg: 'unhandled rejection' })}\n`);
});

// The first Ctrl-C (or SIGTERM) asks the command to stop cleanly; a second one ends the process at once.
let signals = 0;
const stopSignal = new Promise<void>((resolve) => {
  const onSignal = () => {
    signals++;
    if (signals === 1) resolve();
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

const code = await runCli(process.argv.slice(2), { env: process.env, stopSignal });
process.exitCode = code;
// A finished command must not be kept alive by something left open (a hung socket, a stray timer).
setTimeout(() => process.exit(code), 3000).unref();
