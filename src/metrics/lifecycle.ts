import type { Purgatory } from '../purgatory.js';
import type { TokenRow } from '../store/tokens.js';
import type { MetricsRegistry } from './registry.js';

/** Answers nobody gave: a config rule or a standing grant decided at once. They would pull the percentiles to 0. */
const AUTOMATIC = new Set(['rule', 'grant']);

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
 * The purgatory's bus says, after each commit, which events this process appended (an `ejected` one carries the
 * new token's reason and severity) and how each token it settled was left: nothing is read back from the store.
 */
export function observeLifecycle(m: MetricsRegistry, { purgatory }: { purgatory: Purgatory }) {
  function settled(row: TokenRow): void {
    const outcome = row.status === 'resolved' ? 'resolved' : row.status;
    m.tokensSettled.inc({ reason: row.reason, outcome, via: row.answered_via ?? 'none' });
    if (row.status !== 'resolved' || row.closed_ms === null || AUTOMATIC.has(row.answered_via ?? '')) return;
    m.timeToAnswer.observe(
      { reason: row.reason, severity: row.severity },
      Math.max(0, (row.closed_ms - row.received_ms) / 1000),
    );
  }

  const offEvent = purgatory.onEvent((_seq, e) => {
    if (e.type !== 'ejected') return;
    const data = e.data as { reason?: string; severity?: string } | undefined;
    m.tokensCreated.inc({ reason: data?.reason ?? 'unknown', severity: data?.severity ?? 'unknown' });
  });
  const offSettled = purgatory.onSettled((_id, row) => settled(row));

  return {
    close(): void {
      offEvent();
      offSettled();
    },
  };
}
