// The leader SIGKILLed: how long until another replica holds the `leader` row of runner_locks, until it runs
// its first sweep (the scheduler's "sweep deadlines" log line, debug level), and until a token whose deadline
// passed while nobody led is expired by it (its `expired` audit event). The deadlines sweep runs every second.
import { type Replica, type ReplicaSet, waitFor } from '../helpers/replicas.js';
import type { Figure } from './lib.js';
import { call, type LogLine, logLines, replicaEnv, withReplicas } from './pg.js';

interface Round {
  leaderMs: number;
  sweepMs: number;
  expiredMs: number;
  expiredEvents: number;
  /** The new leader logged a deadlines sweep that expired something (this token: nothing else is due). */
  byNewLeader: boolean;
}

/** The first "sweep <name>" line `replica` logged at or after `since` (epoch ms). */
function firstSweep(replica: Replica, since: number): LogLine | undefined {
  return logLines(replica).find(
    (l) => l.component === 'scheduler' && l.msg.startsWith('sweep ') && Date.parse(l.time) >= since,
  );
}

/** One takeover: a token due just after the kill, the leader killed, the takeover and its first sweep timed. */
async function round(set: ReplicaSet, index: number): Promise<Round> {
  const current = await set.waitForLeader();
  const other = set.alive().find((r) => r !== current.replica) as Replica;
  const tokenId = `failover-${index}`;
  // Due 300 ms from now: after the kill (which follows at once), so the old leader cannot have swept it.
  await call(other, 'POST', '/v1/tokens', {
    id: tokenId,
    reason: 'approval_needed',
    prompt: 'Still there?',
    deadline: new Date(Date.now() + 300).toISOString(),
  });
  const killedAt = Date.now();
  const { takeover } = await set.killLeader();
  const { replica, ms: leaderMs } = await takeover;
  const sweep = await waitFor(() => firstSweep(replica, killedAt), {
    timeoutMs: 15_000,
    what: `a sweep on the new leader ${replica.name}`,
  });
  const expired = await waitFor(
    async () => {
      const { rows } = await set.db.query<{ at_ms: number }>(
        `SELECT at_ms::float8 AS at_ms FROM events WHERE token_id = $1 AND type = 'expired'`,
        [tokenId],
      );
      return rows[0];
    },
    { timeoutMs: 15_000, what: `${tokenId} to be expired` },
  );
  // Once more after a few sweeps: a takeover must not expire (or record) it twice.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const events = await set.db.query(`SELECT 1 FROM events WHERE token_id = $1 AND type = 'expired'`, [tokenId]);
  return {
    leaderMs,
    sweepMs: Date.parse(sweep.time) - killedAt,
    expiredMs: expired.at_ms - killedAt,
    expiredEvents: events.rowCount ?? 0,
    byNewLeader: logLines(replica).some(
      (l) => l.msg === 'sweep deadlines' && Number(l.expired) > 0 && Date.parse(l.time) >= killedAt,
    ),
  };
}

/** `rounds` takeovers among three replicas (a fresh replica replaces each killed one). */
async function takeovers(hosts: 'same' | 'distinct', rounds: number): Promise<Round[]> {
  const env = replicaEnv({
    LOG_LEVEL: 'debug',
    DEADLINE_SCHEDULE: '* * * * * *',
    DEFAULT_EXPIRY_POLICY: 'expire',
    DEADLINE_WARNING: '0',
  });
  // Same host: the dead leader's pid is seen to be gone; distinct hosts: its heartbeat must go stale (5 s).
  const hostIds = hosts === 'same' ? undefined : (i: number) => `bench-host-${i}`;
  return withReplicas({ count: 3, env, hostIds }, async (set) => {
    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      results.push(await round(set, results.length + (hosts === 'same' ? 0 : 100)));
      await set.add();
    }
    return results;
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function figures(label: string, results: Round[]): Figure[] {
  const worst = (pick: (r: Round) => number) => Math.max(...results.map(pick));
  const list = (pick: (r: Round) => number) => results.map((r) => (pick(r) / 1000).toFixed(2)).join(', ');
  const wrong = results.filter((r) => r.expiredEvents !== 1 || !r.byNewLeader).length;
  return [
    {
      name: `failover, ${label} (${results.length} kills): SIGKILL → new leader row (each, s)`,
      value: list((r) => r.leaderMs),
    },
    {
      name: `failover, ${label}: SIGKILL → first sweep logged by the new leader (each, s)`,
      value: list((r) => r.sweepMs),
    },
    {
      name: `failover, ${label}: SIGKILL → overdue token expired by it (each, s)`,
      value: list((r) => r.expiredMs),
    },
    {
      name: `failover, ${label}: worst kill → next sweep; tokens not expired once by the new leader`,
      value: `${seconds(
        Math.max(
          worst((r) => r.sweepMs),
          worst((r) => r.expiredMs),
        ),
      )}; ${wrong}`,
      target: '< 10 s; 0',
      ok: worst((r) => r.sweepMs) < 10_000 && worst((r) => r.expiredMs) < 10_000 && wrong === 0,
    },
  ];
}

export async function benchFailover(_dir: string, rounds = 3, distinctRounds = 2): Promise<Figure[]> {
  const same = await takeovers('same', rounds);
  const distinct = await takeovers('distinct', distinctRounds);
  return [...figures('one host id', same), ...figures('a host id each', distinct)];
}
