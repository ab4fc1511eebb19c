import type { Logger } from '../logger.js';
import type { Purgatory } from '../purgatory.js';
import type { Store } from '../store/store.js';
import type { TokenRow } from '../store/tokens.js';
import type { MetricsRegistry } from './registry.js';

/** Answers nobody gave: a config rule or a standing grant decided at once. They would pull the percentiles to 0. */
const AUTOMATIC = new Set(['rule', 'grant']);

const PAGE = 500;

/**
 * Counts tokens created and settled, and observes time to answer, from this process's committed changes.
 *
 * Why in-process rather than counted from the store at scrape time: a Prometheus counter must only go up, and
 * GC deletes old tokens, so counts read from the table would fall; every replica would report the same store
 * totals, so summing replicas would multiply them; and bucketing 100,000 answers per scrape would not fit the
 * scrape budget. Each process counts what it committed (after the commit, never a transaction that may still
 * roll back), so `sum()` over replicas is the cluster's total. Changes made by a CLI process on the database are
 * not seen here: `rodizio stats` reads the store for those. Levels (pending tokens, outbox depth) are read from
 * the store at scrape time instead, and are the same on every replica.
 *
 * The purgatory's bus says which events and tokens this process committed; the rows are read back after the
 * commit (a settled token by its id, new tokens from their `ejected` audit events in one read per batch).
 */
export function observeLifecycle(
  m: MetricsRegistry,
  { purgatory, store, logger }: { purgatory: Purgatory; store: Pick<Store, 'tokens' | 'feed'>; logger: Logger },
) {
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    const tracked = p.catch((err: unknown) => logger.warn({ err }, 'metrics: cannot read a committed change back'));
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  function settled(row: TokenRow): void {
    const outcome = row.status === 'resolved' ? 'resolved' : row.status;
    m.tokensSettled.inc({ reason: row.reason, outcome, via: row.answered_via ?? 'none' });
    if (row.status !== 'resolved' || row.closed_ms === null || AUTOMATIC.has(row.answered_via ?? '')) return;
    m.timeToAnswer.observe(
      { reason: row.reason, severity: row.severity },
      Math.max(0, (row.closed_ms - row.received_ms) / 1000),
    );
  }

  /** Seqs of audit events this process committed and has not looked at yet. */
  let seqs = new Set<number>();
  let scheduled = false;

  async function countCreated(batch: Set<number>): Promise<void> {
    const sorted = [...batch].sort((a, b) => a - b);
    const last = sorted.at(-1) as number;
    let after = (sorted[0] as number) - 1;
    while (after < last) {
      const { rows } = await store.feed.page(after, PAGE, { types: ['ejected'] });
      for (const row of rows) {
        if (row.seq > last) return;
        if (!batch.has(row.seq)) continue; // another process's token
        const data = JSON.parse(row.data) as { reason?: string; severity?: string };
        m.tokensCreated.inc({ reason: data.reason ?? 'unknown', severity: data.severity ?? 'unknown' });
      }
      const end = rows.at(-1);
      if (!end || rows.length < PAGE) return;
      after = end.seq;
    }
  }

  const offEvent = purgatory.onEvent((seq) => {
    seqs.add(seq);
    if (scheduled) return;
    scheduled = true;
    // One read for every event a burst of commits appended (group commit writes a hundred tokens at once).
    track(
      new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        scheduled = false;
        const batch = seqs;
        seqs = new Set();
        return countCreated(batch);
      }),
    );
  });
  const offSettled = purgatory.onSettled((id) => {
    track(
      store.tokens.get(id).then((row) => {
        if (row) settled(row);
      }),
    );
  });

  return {
    /** Resolves once every committed change heard of so far is counted (a scrape waits for it). */
    async flush(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close(): void {
      offEvent();
      offSettled();
    },
  };
}
