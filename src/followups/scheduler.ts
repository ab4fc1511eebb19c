import cron, { type ScheduledTask } from 'node-cron';
import type { SweepName } from '../config.js';
import type { Logger } from '../logger.js';
import type { SweepResult } from './sweeps.js';

export interface SchedulerOptions {
  sweeps: Record<SweepName, () => SweepResult>;
  schedules: Record<SweepName, string>;
  logger: Logger;
}

/**
 * node-cron decides when each sweep runs; the sweeps decide what is due from the injected clock. A sweep
 * that throws is logged and the others carry on. `start()` also runs every sweep once, to catch up after
 * downtime without waiting for the first tick.
 */
export function createScheduler({ sweeps, schedules, logger }: SchedulerOptions) {
  const log = logger.child({ component: 'scheduler' });
  const tasks: ScheduledTask[] = [];
  const names = Object.keys(sweeps) as SweepName[];

  function run(name: SweepName): SweepResult | undefined {
    const started = performance.now();
    try {
      const result = sweeps[name]();
      const ms = Math.round((performance.now() - started) * 10) / 10;
      if (Object.values(result).some((n) => n > 0)) log.info({ sweep: name, ...result, ms }, `sweep ${name}`);
      else log.debug({ sweep: name, ms }, `sweep ${name}: nothing due`);
      return result;
    } catch (err) {
      log.error({ err, sweep: name }, `sweep ${name} failed`);
      return undefined;
    }
  }

  return {
    /** Runs one sweep now; undefined when it threw (already logged). */
    run,

    /** Runs every sweep once, in order; a failing one does not stop the rest. */
    runAll(): Record<SweepName, SweepResult | undefined> {
      return Object.fromEntries(names.map((n) => [n, run(n)])) as Record<SweepName, SweepResult | undefined>;
    },

    start(): void {
      for (const name of names) {
        const task = cron.schedule(schedules[name], () => void run(name), { name: `rodizio-${name}`, noOverlap: true });
        task.unref();
        tasks.push(task);
      }
      this.runAll();
    },

    async stop(): Promise<void> {
      for (const task of tasks.splice(0)) await task.destroy();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
