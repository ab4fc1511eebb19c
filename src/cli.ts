#!/usr/bin/env node
import { runCli } from './cli/index.js';

// The executable: the only place that touches process.argv, process.env, signals and the exit code.
const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stopSignal });
