import { RetryLater } from '../outbox/job-errors.js';
import type { JobKind } from '../outbox/worker.js';
import type { MetricsRegistry } from './registry.js';

/**
 * The delivery job kinds (`deliver.webhook`, `deliver.tmux`, …, `deliver.event`) with each run counted as an
 * attempt of its target kind, and counted as a failure when it throws — except a wait that is not a failure
 * (pacing, a Retry-After), which the outbox does not count as an attempt either.
 */
export function observeDeliveries(m: MetricsRegistry, kinds: Record<string, JobKind>): Record<string, JobKind> {
  return Object.fromEntries(
    Object.entries(kinds).map(([name, kind]) => {
      const target = name.startsWith('deliver.') ? name.slice('deliver.'.length) : name;
      const observed: JobKind = {
        ...kind,
        async handle(ctx) {
          m.deliveryAttempts.inc({ target });
          try {
            await kind.handle(ctx);
          } catch (err) {
            if (!(err instanceof RetryLater) || err.countsAsAttempt) m.deliveryFailures.inc({ target });
            throw err;
          }
        },
      };
      return [name, observed];
    }),
  );
}

/** The sweeps the scheduler runs, each timed (by sweep and whether it threw). */
export function timeSweeps<S extends Record<string, () => unknown>>(m: MetricsRegistry, sweeps: S): S {
  const timed: Record<string, () => Promise<unknown>> = {};
  for (const [name, sweep] of Object.entries(sweeps)) {
    timed[name] = async () => {
      const end = m.sweepDuration.startTimer({ sweep: name });
      try {
        const result = await sweep();
        end({ result: 'ok' });
        return result;
      } catch (err) {
        end({ result: 'failed' });
        throw err;
      }
    };
  }
  // Same keys, each function returning a promise of what it returned: the scheduler awaits either way.
  return timed as S;
}
