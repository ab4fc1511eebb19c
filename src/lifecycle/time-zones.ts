import type { TimeOffset, Token } from '../domain/token.js';
import type { Logger } from '../logger.js';
import {
  formatUtcOffset,
  inferUtcOffset,
  isNaiveIsoTime,
  parseIsoTime,
  parseIsoTimeAt,
  parseUtcOffset,
  wallTimeOffsetMinutes,
} from '../time.js';

/** The instant rodizio reads a token's deadline as, and what it assumed to get there. */
export interface ReadTimes {
  deadlineMs: number | null;
  timeOffset: TimeOffset | null;
}

export interface TimeReaderOptions {
  /** The IANA zone a runner declared (`runners.<name>.timezone`); naive times from that runner are read in it. */
  runnerTimeZone?: (runner: string) => string | undefined;
  /** Where the once-per-runner warning about an inferred offset goes. */
  logger?: Logger;
}

const parse = (text: string): number => parseIsoTime(text) ?? Number.NaN;

/** A naive time read in `zone` (DST-correct for that wall time), with the offset that applied. */
function inZone(text: string, zone: string): { ms: number; offset: number } {
  const wall = parse(text);
  const offset = wallTimeOffsetMinutes(zone, wall);
  return { ms: wall - offset * 60_000, offset };
}

function zoneOffset(zone: string, offset: number): TimeOffset {
  return { assumed: formatUtcOffset(offset), from: 'runner_timezone', timezone: zone };
}

/**
 * Reads agents' naive (offset-less) times. Python's `datetime.now()` is the agent's local time, so reading it as
 * UTC puts a New York deadline five hours early. The rule, in order:
 * 1. the runner declared `runners.<name>.timezone`: naive times are read in that zone (DST-correct);
 * 2. a naive `created_at` 30 min to 14 h away from the arrival time in whole quarter hours (±2 min of transit,
 *    see `inferUtcOffset`) gives the agent's offset, applied to that token's naive deadline;
 * 3. otherwise naive times are UTC.
 * Times with an offset are always taken as written, and the strings are stored and returned unchanged.
 */
export function createTimeReader({ runnerTimeZone = () => undefined, logger }: TimeReaderOptions = {}) {
  const warnedRunners = new Set<string>();

  return {
    /** The deadline of a new token and the offset assumed for it, from its runner and its own created_at. */
    atCreate(
      times: { created_at?: string | null; deadline: string | null },
      runner: string,
      arrivedMs: number,
      /** False for imports: a saved token arrives long after its created_at, so the gap says nothing of its zone. */
      infer = true,
    ) {
      const { deadline } = times;
      const createdAt = times.created_at ?? null;
      const zone = runnerTimeZone(runner);
      if (zone) {
        if (deadline !== null && isNaiveIsoTime(deadline)) {
          const read = inZone(deadline, zone);
          return { deadlineMs: read.ms, timeOffset: zoneOffset(zone, read.offset) } satisfies ReadTimes;
        }
        const deadlineMs = deadline === null ? null : parse(deadline);
        if (createdAt !== null && isNaiveIsoTime(createdAt)) {
          return { deadlineMs, timeOffset: zoneOffset(zone, inZone(createdAt, zone).offset) } satisfies ReadTimes;
        }
        return { deadlineMs, timeOffset: null } satisfies ReadTimes;
      }
      const inferred =
        infer && createdAt !== null && isNaiveIsoTime(createdAt)
          ? inferUtcOffset(parse(createdAt), arrivedMs)
          : undefined;
      if (inferred === undefined) {
        return { deadlineMs: deadline === null ? null : parse(deadline), timeOffset: null } satisfies ReadTimes;
      }
      return {
        deadlineMs: deadline === null ? null : (parseIsoTimeAt(deadline, inferred) ?? null),
        timeOffset: { assumed: formatUtcOffset(inferred), from: 'created_at' },
      } satisfies ReadTimes;
    },

    /**
     * A new deadline for a pending token, read with the same rule: the runner's declared zone (now, else the one
     * the token was read with), else the offset inferred when it was created, else UTC.
     */
    atPatch(deadline: string | null, token: Pick<Token, 'runner' | 'time_offset'>): ReadTimes {
      const kept = token.time_offset;
      if (deadline === null) return { deadlineMs: null, timeOffset: kept };
      if (!isNaiveIsoTime(deadline)) return { deadlineMs: parse(deadline), timeOffset: kept };
      const zone = runnerTimeZone(token.runner) ?? (kept?.from === 'runner_timezone' ? kept.timezone : undefined);
      if (zone) {
        const read = inZone(deadline, zone);
        return { deadlineMs: read.ms, timeOffset: zoneOffset(zone, read.offset) };
      }
      const offset = kept ? (parseUtcOffset(kept.assumed) ?? 0) : 0;
      return { deadlineMs: parseIsoTimeAt(deadline, offset) ?? null, timeOffset: kept };
    },

    /** Logs, once per runner in this process, that an offset was inferred for its naive times. */
    inferred(runner: string, tokenId: string, timeOffset: TimeOffset): void {
      if (timeOffset.from !== 'created_at' || warnedRunners.has(runner)) return;
      warnedRunners.add(runner);
      logger?.warn(
        { runner, token_id: tokenId, assumed: timeOffset.assumed },
        `runner "${runner}" sends naive local times: created_at is ${timeOffset.assumed} from arrival, so its naive ` +
          `times are read at UTC${timeOffset.assumed}; set runners.${runner}.timezone in RODIZIO_CONFIG to say so`,
      );
    },
  };
}

export type TimeReader = ReturnType<typeof createTimeReader>;
