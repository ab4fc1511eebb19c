import { renderDigest } from '../../blocks/digest.js';
import { LIMITS, validateMessage } from '../../blocks/limits.js';
import type { Token } from '../../src/domain/token.js';
import { makeToken } from '../fixtures/tokens.js';
import { type Figure, medianMs, ms } from './lib.js';

const TOKENS = 500;

/** 500 info questions with long prompts and five options each; every third already answered. */
function pendingTokens(): Token[] {
  return Array.from({ length: TOKENS }, (_, i) =>
    makeToken({
      id: `sem-${i.toString(16).padStart(8, '0')}`,
      severity: 'info',
      prompt: `Question ${i}: ${'should the nightly job also rebuild the search index and warm the caches? '.repeat(12)}`,
      options: ['yes', 'no', 'later', 'skip', 'ask again'],
      received_at: '2026-01-01T10:00:00.000Z',
      ...(i % 3 === 0
        ? {
            status: 'resolved' as const,
            human_input: 'yes',
            answered_by: 'U0ALICE',
            resolved_at: '2026-01-01T10:30:00Z',
          }
        : {}),
    }),
  );
}

/** Digest rendering for 500 tokens: time per render, and proof the message stays within Block Kit's limits. */
export async function benchDigest(): Promise<Figure[]> {
  const members = pendingTokens();
  const input = { project: 'web', members, sinceMs: Date.parse('2026-01-01T10:00:00Z') };
  for (let i = 0; i < 20; i++) renderDigest(input);
  const median = await medianMs(200, () => renderDigest(input));
  const message = renderDigest(input);
  const problems = validateMessage(message);
  // Section and header texts are the ones with a length limit; read them as plain JSON.
  const texts = (message.blocks as { text?: { text?: string } }[]).map((b) => b.text?.text?.length ?? 0);
  const longest = Math.max(...texts);
  return [
    { name: `digest: render ${TOKENS} tokens (median of 200)`, value: ms(median), target: '< 50 ms', ok: median < 50 },
    {
      name: 'digest: blocks in the message',
      value: `${message.blocks.length}`,
      target: `≤ ${LIMITS.messageBlocks}`,
      ok: message.blocks.length <= LIMITS.messageBlocks,
    },
    {
      name: 'digest: longest block text / fallback text (chars)',
      value: `${longest} / ${message.text.length}`,
      target: `≤ ${LIMITS.sectionText} / ${LIMITS.messageText}`,
      ok: longest <= LIMITS.sectionText && message.text.length <= LIMITS.messageText,
    },
    {
      name: 'digest: Block Kit problems (blocks/limits.ts validateMessage)',
      value: problems.length === 0 ? 'none' : problems.slice(0, 2).join('; '),
      target: 'none',
      ok: problems.length === 0,
    },
  ];
}
