/**
 * A generated import file of 1,000 mixed tokens, built as the Python classes emit them (naive New York times), and
 * the report an import of it must give. Ids ending in 1 or 5 below 200 are put in the store first (`seedMixed`).
 */
import type { Purgatory } from '../../src/purgatory.js';

export const MIXED_SIZE = 1000;
/** The Python agent's clock: naive New York time, 5 hours behind the test clock's UTC. */
export const MIXED_NOW = '2026-11-30T13:12:00Z';

const CREATED = '2026-11-30T08:11:46.696744';

export function pythonToken(i: number): Record<string, unknown> {
  return {
    id: `sem-mix-${String(i).padStart(4, '0')}`,
    reason: 'approval_needed',
    frozen_state: Buffer.from(`state ${i}`).toString('base64'),
    original_event: i % 2 ? { kind: 'job', n: i } : `event-${i}`,
    required_type: null,
    deadline: i % 3 === 0 ? '2026-11-30T11:11:46.696639' : null,
    escalation: i % 3 === 0 ? 'team-lead' : null,
    prompt: `Question ${i}?`,
    options: ['Approve', 'Reject'],
    severity: 'info',
    created_at: CREATED,
    resolved_at: null,
    cancelled_at: null,
    voided_at: null,
  };
}

const idOf = (i: number) => pythonToken(i).id as string;
const preStored = (i: number) => i < 200 && (i % 10 === 1 || i % 10 === 5);

export interface MixedExpectation {
  live: string[];
  history: { id: string; status: string; key: string; at: string }[];
  skipped: string[];
  refused: { line: number; id: string | null }[];
}

/** The file as JSON lines, and what an import into a seeded store must report. */
export function mixedFile(): { text: string; expected: MixedExpectation } {
  const lines: string[] = [];
  const expected: MixedExpectation = { live: [], history: [], skipped: [], refused: [] };
  for (let i = 0; i < MIXED_SIZE; i++) {
    const t = pythonToken(i);
    const id = t.id as string;
    const kind = i % 10;
    if (kind <= 3) {
      lines.push(JSON.stringify(t));
      if (preStored(i)) expected.skipped.push(id);
      else expected.live.push(id);
    } else if (kind <= 7) {
      const [key, status] = (
        [
          ['resolved_at', 'resolved'],
          ['resolved_at', 'resolved'],
          ['cancelled_at', 'cancelled'],
          ['voided_at', 'expired'],
        ] as const
      )[kind - 4] as readonly [string, string];
      const at = `2026-11-30T08:${String(20 + (i % 30)).padStart(2, '0')}:46.696639`;
      lines.push(JSON.stringify({ ...t, [key]: at }));
      if (preStored(i)) expected.skipped.push(id);
      else expected.history.push({ id, status, key, at });
    } else if (kind === 8) {
      const variant = Math.floor(i / 10) % 5;
      if (variant === 0) lines.push(`{"id": "${id}", "reason": `);
      else if (variant === 1) lines.push(JSON.stringify({ ...t, reason: 'bogus' }));
      else if (variant === 2)
        lines.push(JSON.stringify({ ...t, resolved_at: '2026-11-30T08:30:00', voided_at: '2026-11-30T08:31:00' }));
      else if (variant === 3) lines.push(JSON.stringify({ ...t, id: undefined }));
      else lines.push(JSON.stringify({ ...t, frozen_state: 'not base64!' }));
      expected.refused.push({ line: i + 1, id: variant === 0 || variant === 3 ? null : id });
    } else {
      // The same id as a pending token nine lines up, with other content: the first one wins.
      lines.push(JSON.stringify({ ...pythonToken(i - 9), prompt: 'a later copy' }));
      expected.skipped.push(idOf(i - 9));
    }
  }
  return { text: `${lines.join('\n')}\n`, expected };
}

/** Puts the pre-stored ids in the store with other content: a pending one and a resolved one per ten. */
export async function seedMixed(purgatory: Purgatory): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (!preStored(i)) continue;
    await purgatory.create(
      { id: idOf(i), reason: 'context_required', prompt: 'stored earlier' },
      { runner: 'ci', admin: false },
    );
    if (i % 10 === 5) await purgatory.resolve(idOf(i), { humanInput: 'yes', by: 'U1', via: 'api' });
  }
}
