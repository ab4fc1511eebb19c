import cron, { type ScheduledTask } from 'node-cron';
import type { SweepName } from '../config.js';
import type { Logger } from '../logger.js';
import type { SweepResult } from './sweeps.js';

export interface SchedulerOptions {
  sweeps: Record<SweepName, () => Promise<SweepResult> | SweepResult>;
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
  /** Sweeps running now (ticks and the catch-up), so stop() can wait for them before the store closes. */
  const running = new Set<Promise<unknown>>();

  function run(name: SweepName): Promise<SweepResult | undefined> {
    const p = runOnce(name);
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  }

  async function runOnce(name: SweepName): Promise<SweepResult | undefined> {
    const started = performance.now();
    try {
      const result = await sweeps[name]();
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

    /** Runs every sweep once, in order (one after the other); a failing one does not stop the rest. */
    async runAll(): Promise<Record<SweepName, SweepResult | undefined>> {
      const results: Partial<Record<SweepName, SweepResult | undefined>> = {};
      for (const n of names) results[n] = await run(n);
      return results as Record<SweepName, SweepResult | undefined>;
    },

    /** Schedules the sweeps and runs each once; resolves when that catch-up run is done (it never rejects). */
    async start(): Promise<void> {
      for (const name of names) {
        // node-cron awaits the returned promise, so `noOverlap` skips a tick while the sweep still runs.
        const task = cron.schedule(schedules[name], () => run(name), { name: `rodizio-${name}`, noOverlap: true });
        task.unref();
        tasks.push(task);
      }
      await this.runAll();
    },

    /** Stops the schedule and waits for the sweeps still running. */
    async stop(): Promise<void> {
      for (const task of tasks.splice(0)) await task.destroy();
      await Promise.allSettled([...running]);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
