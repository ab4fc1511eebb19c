/**
 * Rate-limit gates shared by every replica (`slack.post:<channel>`, and any gate a 429 paused): kept in the
 * database so three replicas do not post three times as fast, and a Retry-After one of them got holds for all.
 * The outbox leaves jobs behind a gate closed here in the table (see OutboxStore.ready).
 */
export interface GateStore {
  /**
   * Uses a paced gate: when it is open at `nowMs` it closes until `nowMs + intervalMs` and this returns 0 (go);
   * otherwise nothing changes and this returns how many ms until it opens.
   */
  take(name: string, nowMs: number, intervalMs: number): Promise<number>;
  /** Keeps the gate closed until at least `untilMs` (Slack's Retry-After). */
  pause(name: string, untilMs: number): Promise<void>;
  /** When the gate opens (0: open, or never used). */
  openAt(name: string): Promise<number>;
  /** The gates closed at `nowMs`, and when each opens. */
  closed(nowMs: number): Promise<{ name: string; openAtMs: number }[]>;
}
