#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { runCli } from './cli/index.js';

// The executable: the only place that touches process.argv, process.env, signals and the exit code.
// A .env file in the working directory (or RODIZIO_ENV_FILE; empty: none) fills in what the environment does not set.
const envFile = process.env.RODIZIO_ENV_FILE ?? '.env';
if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stopSignal });
