import type { ActionsBlock, Button, KnownBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { decodeOptionValue } from '../../blocks/ids.js';
import { validateMessage } from '../../blocks/limits.js';
import type { RefState } from '../../blocks/stale-ref.js';
import { renderTokenCard } from '../../blocks/token-card.js';
import { makeToken } from '../fixtures/tokens.js';
import { A, B } from './setup.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const LONG_BRANCH = `feature/${'ü`<&*'.repeat(60)}`;

const elementsOf = (blocks: KnownBlock[]) =>
  blocks.find((b): b is ActionsBlock => b.type === 'actions')?.elements ?? [];

function card(options: string[], ref: Partial<RefState> = {}, status: 'pending' | 'resolved' = 'pending') {
  const token = makeToken({
    id: 'sem-ref',
    options,
    status,
    ...(status === 'resolved' ? { human_input: options[0], answered_by: 'U0ALICE' } : {}),
    github_ref: { repo: 'acme/web', ref: LONG_BRANCH, sha: A },
  });
  const state: RefState = {
    repo: 'acme/web',
    ref: LONG_BRANCH,
    seen: A,
    head: B,
    movedAt: NOW,
    approved: null,
    ...ref,
  };
  return renderTokenCard(token, { now: NOW, threadResolves: false, githubRef: state });
}

describe('the card of a token with a github_ref', () => {
  it('stays within Block Kit limits on a stale card: long branch names, 5 buttons, 100 options in a menu', () => {
    for (const n of [1, 5, 6, 100]) {
      const options = Array.from({ length: n }, (_, i) => `${'Approve the deploy '.repeat(4)}${i}`);
      const rendered = card(options);
      expect(validateMessage(rendered), `${n} options`).toEqual([]);
      const elements = elementsOf(rendered.blocks);
      if (n <= 5) {
        const buttons = elements.filter((e): e is Button => e.type === 'button' && !!e.value?.includes('|'));
        expect(buttons).toHaveLength(n);
        for (const b of buttons) {
          expect(b.text.text).toMatch(/ bbbbbbb$/);
          expect(decodeOptionValue(b.value ?? '')?.sha).toBe(B);
        }
      } else {
        const select = elements.find((e): e is StaticSelect => e.type === 'static_select');
        expect(select?.confirm?.title?.text).toBe('Confirm bbbbbbb?');
        expect(select?.options?.every((o) => decodeOptionValue(o.value ?? '')?.sha === B)).toBe(true);
      }
    }
  });

  it('a card whose ref has not moved names the commit and pins the buttons to it, without asking to confirm', () => {
    const rendered = card(['Approve'], { head: A, movedAt: null });
    const [button] = elementsOf(rendered.blocks) as Button[];
    expect(button?.text.text).toBe('Approve');
    expect(button?.confirm).toBeUndefined();
    expect(decodeOptionValue(button?.value ?? '')).toEqual({ tokenId: 'sem-ref', index: 0, sha: A });
    expect(validateMessage(rendered)).toEqual([]);
  });

  it('an answered card says which commit the answer was for, and has no buttons', () => {
    const rendered = card(['Approve'], { approved: B }, 'resolved');
    expect(elementsOf(rendered.blocks)).toEqual([]);
    expect(JSON.stringify(rendered.blocks)).toContain('🔀 Answered for <https://github.com/acme/web/commit/bbbb');
  });
});
