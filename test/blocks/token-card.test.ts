import type { ActionsBlock, Button, KnownBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { renderAnswerModal } from '../../blocks/answer-modal.js';
import { isHoldBackOption } from '../../blocks/display.js';
import { githubErrorText } from '../../blocks/followups.js';
import { renderHome } from '../../blocks/home.js';
import { ActionId, decodeOptionValue } from '../../blocks/ids.js';
import { LIMITS, validateMessage, validateView } from '../../blocks/limits.js';
import { alreadyClosedText } from '../../blocks/notices.js';
import { endSentence, truncate } from '../../blocks/text.js';
import { renderDecisionReply, renderPromptOverflow, renderTokenCard } from '../../blocks/token-card.js';
import type { Reason, Severity, Token, TokenStatus } from '../../src/domain/token.js';
import { makeToken } from '../fixtures/tokens.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const state = { now: NOW, threadResolves: false };

function actions(blocks: KnownBlock[]): ActionsBlock | undefined {
  return blocks.find((b): b is ActionsBlock => b.type === 'actions');
}

/** The card's actions block; fails the test when there is none. */
function elements(blocks: KnownBlock[]): ActionsBlock['elements'] {
  const block = actions(blocks);
  if (!block) throw new Error('the card has no actions block');
  return block.elements;
}

/** A small deterministic PRNG so a failing case can be reproduced from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NASTY = [
  '🚀',
  '👩‍👩‍👧',
  '<',
  '>',
  '&',
  '*',
  '_',
  '`',
  '~',
  '&amp;',
  '<@U123>',
  '<!channel>',
  '中文',
  '\n',
  ' ',
  'é',
  'x',
];
const REASONS: Reason[] = [
  'approval_needed',
  'context_required',
  'sensitive_action',
  'ambiguous_choice',
  'resource_decision',
  'error_recovery',
];
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
const STATUSES: TokenStatus[] = ['pending', 'pending', 'resolved', 'cancelled', 'expired'];

function nastyText(r: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += NASTY[Math.floor(r() * NASTY.length)];
  return out;
}

function generated(seed: number): Token {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  const promptLength = pick([0, 10, 500, 2999, 3000, 5000, 20_000]);
  const optionCount = pick([0, 1, 2, 5, 6, 30, 100]);
  const options = Array.from(
    { length: optionCount },
    (_, i) => `${i}:${nastyText(r, pick([1, 20, 75, 76, 300, 2000]))}`,
  );
  const status = pick(STATUSES);
  return makeToken({
    id: `sem-${seed.toString(16).padStart(8, '0')}${'x'.repeat(pick([0, 100]))}`,
    reason: pick(REASONS),
    severity: pick(SEVERITIES),
    prompt: nastyText(r, promptLength).slice(0, promptLength),
    options,
    destructive_options: options.filter(() => r() < 0.2),
    project: pick([null, 'web', 'a'.repeat(100)]),
    github_issue: pick([null, 'acme/web#12', `${'o'.repeat(39)}/${'r'.repeat(100)}#99999`]),
    runner: pick(['ci', 'r'.repeat(100)]),
    required_approvals: pick([1, 1, 2, 10]),
    status,
    human_input: status === 'resolved' ? pick([nastyText(r, 5000), { a: 1, b: nastyText(r, 3000) }, 'Deploy']) : null,
    answered_by: status === 'pending' ? null : pick(['U0ALICE', 'cli-user', nastyText(r, 100)]),
    resolved_at: status === 'resolved' ? '2026-01-01T12:00:00.000+00:00' : null,
    cancelled_at: status === 'cancelled' ? '2026-01-01T12:00:00.000+00:00' : null,
    voided_at: status === 'expired' ? '2026-01-01T12:00:00.000+00:00' : null,
    answer_schema:
      r() < 0.3
        ? {
            type: 'object',
            properties: Object.fromEntries(
              Array.from({ length: pick([1, 5, 20]) }, (_, i) => [
                `f${i}`,
                pick([
                  { type: 'string' as const, title: nastyText(r, 150).slice(0, 150), description: 'why' },
                  {
                    type: 'string' as const,
                    enum: Array.from({ length: 100 }, (_, j) => `${j}${nastyText(r, 70)}`.slice(0, 75)),
                  },
                  { type: 'boolean' as const },
                  { type: 'integer' as const, minimum: 0, maximum: 10 },
                  { type: 'number' as const },
                ]),
              ]),
            ),
            required: ['f0'],
          }
        : null,
  });
}

describe('token card limits', () => {
  it('every generated token renders within Block Kit limits: card, decision reply, overflow, modal and Home', () => {
    let cut = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const token = generated(seed);
      const cardState = {
        now: NOW,
        deadlineMs: seed % 3 ? NOW - 1000 : null,
        threadResolves: seed % 2 === 0,
        approvals: Array.from({ length: seed % 7 }, (_, i) => ({
          user: `U0${i}ABC`,
          option: token.options[i % Math.max(1, token.options.length)] ?? 'x',
        })),
        claim: seed % 5 === 0 ? { user: 'U0BOB', until: NOW + 3600_000 } : null,
        escalated: seed % 4 === 0 ? { at: NOW, target: '<!subteam^S0ONCALL>' } : null,
        blockedAt: seed % 6 === 0 ? NOW : null,
        claimable: true,
      };
      const card = renderTokenCard(token, cardState);
      expect(validateMessage(card), `seed ${seed}`).toEqual([]);
      if (card.promptOverflow) {
        cut++;
        expect(validateMessage(renderPromptOverflow(card.promptOverflow)), `seed ${seed}`).toEqual([]);
      }
      expect(validateMessage(renderDecisionReply(token)), `seed ${seed}`).toEqual([]);
      expect(
        validateView(renderAnswerModal(token, { channel: 'C0GENERAL', ts: '1767268800.000100' })),
        `seed ${seed}`,
      ).toEqual([]);
      expect(
        validateView(
          renderHome(
            Array.from({ length: 25 }, (_, i) => ({
              token: { ...token, id: `${token.id.slice(0, 120)}-${i}` },
              state: cardState,
            })),
            40,
          ),
        ),
        `seed ${seed}`,
      ).toEqual([]);
    }
    expect(cut).toBeGreaterThan(50);
  });

  it('the validator itself catches what Slack would refuse', () => {
    const tooMany = { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) };
    expect(validateMessage(tooMany)).toEqual(['blocks: 51 blocks, limit 50']);
    const longButton = {
      text: 'x',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'y'.repeat(76) } }],
        },
      ],
    };
    expect(validateMessage(longButton)).toEqual(['blocks[0].elements[0].text.text: is 76 long, limit 75']);
    expect(validateMessage({ blocks: [] })).toEqual(['text: always set a plain-text fallback']);
    expect(validateMessage({ text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] })).toEqual([
      'blocks[0].text: must be plain_text',
    ]);
  });

  it('truncates without splitting an emoji and within the limit', () => {
    const s = '🚀'.repeat(100);
    const t = truncate(s, LIMITS.buttonText);
    expect(t.length).toBeLessThanOrEqual(75);
    expect(t.endsWith('🚀…')).toBe(true);
  });
});

describe('pending card', () => {
  it('renders header, prompt, one button per option, Answer…, meta and the thread hint', () => {
    const card = renderTokenCard(makeToken({ deadline: '2026-01-02T00:00:00' }), {
      ...state,
      deadlineMs: Date.UTC(2026, 0, 2),
    });
    expect(card.text).toBe('🛡️ Approval needed: Deploy build 42 to production? (sem-0a1b2c3d)');
    expect(card.blocks).toMatchSnapshot();
    const buttons = elements(card.blocks) as Button[];
    expect(buttons.map((b) => [b.action_id, b.text.text, b.value, b.style])).toEqual([
      ['rodizio.option.0', 'Deploy', 'sem-0a1b2c3d|0', undefined],
      ['rodizio.option.1', 'Hold', 'sem-0a1b2c3d|1', undefined],
      ['rodizio.answer', 'Answer…', 'sem-0a1b2c3d', undefined],
    ]);
    expect(decodeOptionValue(buttons[1]?.value ?? '')).toEqual({ tokenId: 'sem-0a1b2c3d', index: 1 });
  });

  it('escapes mrkdwn control characters in the prompt', () => {
    const card = renderTokenCard(makeToken({ prompt: 'Drop <table> & *everything*? <!channel>' }), state);
    expect(JSON.stringify(card.blocks)).toContain('Drop &lt;table&gt; &amp; *everything*? &lt;!channel&gt;');
  });

  it('marks destructive_options as danger with a confirm dialog on any token', () => {
    const plain = renderTokenCard(makeToken({ options: ['Keep', 'Delete'], destructive_options: ['Delete'] }), state);
    const [keep, del] = elements(plain.blocks) as Button[];
    expect(keep?.style).toBeUndefined();
    expect(keep?.confirm).toBeUndefined();
    expect(del).toMatchObject({ style: 'danger', confirm: { title: { text: 'Are you sure?' }, style: 'danger' } });
    expect(del?.confirm?.text?.text).toBe('Answer “Delete”: Deploy build 42 to production?');
  });

  // On sensitive_action / critical cards an option is red unless every clause of it holds back.
  it.each([
    ['Drop and restore', true],
    ['Deploy', true],
    ['Yes', true],
    ['Approve', true],
    ['Roll back', true],
    ['Force-push to main', true],
    ['Skip tests and deploy', true],
    ['Cancel subscription', true],
    ['Stop the server', true],
    ['No, deploy anyway', true],
    ['🚀', true],
    ['Wait', false],
    ['Keep it', false],
    ['Keep it as is', false],
    ['Reject', false],
    ['Cancel', false],
    ['No', false],
    ['Hold', false],
    ['Hold off for now', false],
    ['Skip', false],
    ['Not now', false],
    ['No, keep it', false],
    ['Don’t deploy', false],
    ['Do not delete', false],
    ['Wait 10 minutes', false],
    ['⏸️ Pause', false],
    ["Let's wait and see", false],
    ['Abort!', false],
  ])('on a sensitive card, %j is danger: %s', (option, danger) => {
    expect(isHoldBackOption(option)).toBe(!danger);
    for (const overrides of [{ reason: 'sensitive_action' as const }, { severity: 'critical' as const }]) {
      const card = renderTokenCard(makeToken({ ...overrides, options: [option, 'Something else'] }), state);
      const [button] = elements(card.blocks) as Button[];
      expect(button?.text.text).toBe(option);
      expect(button?.style === 'danger', JSON.stringify(overrides)).toBe(danger);
      expect(button?.confirm !== undefined).toBe(danger);
    }
    // Not sensitive, not critical: nothing is red without destructive_options.
    const calm = renderTokenCard(makeToken({ options: [option] }), state);
    expect((elements(calm.blocks) as Button[])[0]?.style).toBeUndefined();
  });

  it('destructive_options override the rule entirely on a sensitive card', () => {
    const card = renderTokenCard(
      makeToken({
        reason: 'sensitive_action',
        severity: 'critical',
        options: ['Deploy', 'Keep it', 'Wait'],
        destructive_options: ['Wait'],
      }),
      state,
    );
    const styles = (elements(card.blocks) as Button[])
      .filter((b) => b.action_id?.startsWith(ActionId.optionPrefix))
      .map((b) => [b.text.text, b.style ?? null, b.confirm ? 'confirm' : null]);
    expect(styles).toEqual([
      ['Deploy', null, null],
      ['Keep it', null, null],
      ['Wait', 'danger', 'confirm'],
    ]);
  });

  it('confirm dialogs are plain text: the prompt loses its mrkdwn markers, nothing else', () => {
    const card = renderTokenCard(
      makeToken({
        reason: 'sensitive_action',
        prompt: 'Drop the *staging* database _now_ and `restore`? Costs 2 * 3 * 4 in snake_case_db (~old~ *_x_*)',
        options: ['Drop and restore', 'Keep it'],
      }),
      state,
    );
    const [drop] = elements(card.blocks) as Button[];
    expect(drop?.confirm?.text?.type).toBe('plain_text');
    expect(drop?.confirm?.text?.text).toBe(
      'Answer “Drop and restore”: Drop the staging database now and restore? Costs 2 * 3 * 4 in snake_case_db (old x)',
    );
  });

  it('offers a select menu when there are more options than fit as buttons', () => {
    const options = Array.from({ length: 30 }, (_, i) => `Region ${i}`);
    const card = renderTokenCard(makeToken({ options }), state);
    const [select, answer] = elements(card.blocks) as [StaticSelect, Button];
    expect(select.type).toBe('static_select');
    expect(select.action_id).toBe(ActionId.optionSelect);
    expect(select.options).toHaveLength(30);
    expect(select.options?.[29]).toMatchObject({ text: { text: 'Region 29' }, value: 'sem-0a1b2c3d|29' });
    expect(answer.action_id).toBe(ActionId.answer);
  });

  it('cuts a long prompt with an ellipsis and hands the full text to the thread', () => {
    const prompt = `${'word '.repeat(1000)}END`;
    const card = renderTokenCard(makeToken({ prompt }), state);
    expect(card.promptOverflow).toBe(prompt);
    expect(JSON.stringify(card.blocks)).not.toContain('END');
    expect(JSON.stringify(card.blocks)).toContain('…\\n_The full text is the first reply in the thread._');
    expect(renderPromptOverflow(prompt).text).toContain('END');
  });

  it('shows quorum progress and hides Answer… when several approvals are needed', () => {
    const card = renderTokenCard(makeToken({ required_approvals: 2, severity: 'critical' }), {
      ...state,
      approvals: [{ user: 'U0ALICE', option: 'Deploy' }],
    });
    expect(JSON.stringify(card.blocks)).toContain('🗳️ *Approvals 1/2* — *Deploy* 1 (<@U0ALICE>)');
    expect((elements(card.blocks) as Button[]).map((b) => b.action_id)).toEqual([
      'rodizio.option.0',
      'rodizio.option.1',
    ]);
  });

  it('tells people whether a thread reply answers or only adds a note', () => {
    const answers = renderTokenCard(makeToken({ reason: 'context_required' }), { ...state, threadResolves: true });
    expect(JSON.stringify(answers.blocks)).toContain(
      'The first reply in this thread from someone who may answer is sent to the agent',
    );
    const notes = renderTokenCard(makeToken(), state);
    expect(JSON.stringify(notes.blocks)).toContain('Replies in this thread reach the agent as notes');
  });
});

describe('closed cards', () => {
  it('flips to show who answered what and when, with no buttons', () => {
    const token = makeToken({
      status: 'resolved',
      human_input: 'Deploy',
      answered_by: 'U0ALICE',
      answered_via: 'button',
      resolved_at: '2026-01-01T12:05:00.000+00:00',
    });
    const card = renderTokenCard(token, state);
    expect(card.text).toBe('✅ Answered "Deploy": Deploy build 42 to production? (sem-0a1b2c3d)');
    expect(actions(card.blocks)).toBeUndefined();
    expect(card.blocks).toMatchSnapshot();
    expect(renderDecisionReply(token).text).toBe('✅ <@U0ALICE> answered *Deploy*. The agent has been told.');
  });

  it('says cancelled or expired', () => {
    const cancelled = renderTokenCard(
      makeToken({ status: 'cancelled', answered_by: 'ci', cancelled_at: '2026-01-01T12:00:00+00:00' }),
      state,
    );
    expect(cancelled.blocks[0]).toMatchObject({ type: 'header', text: { text: '🚫 Approval needed — cancelled' } });
    expect(JSON.stringify(cancelled.blocks)).toContain('*Cancelled* by ci');
    const expired = renderTokenCard(makeToken({ status: 'expired', voided_at: '2026-01-01T12:00:00+00:00' }), state);
    expect(expired.blocks[0]).toMatchObject({ text: { text: '⌛ Approval needed — expired' } });
    expect(actions(expired.blocks)).toBeUndefined();
  });
});

describe('what a closed card and its decision reply say', () => {
  const resolved = (overrides: Partial<Token>) =>
    makeToken({
      status: 'resolved',
      answered_by: 'U0BOB',
      answered_via: 'button',
      resolved_at: '2026-01-01T12:05:00.000+00:00',
      ...overrides,
    });

  it('a two-approval token names every approver of the winning option, not only the last click', () => {
    const token = resolved({ required_approvals: 2, human_input: 'Deploy' });
    const approvals = [
      { user: 'U0ALICE', option: 'Deploy' },
      { user: 'U0CAROL', option: 'Hold' },
      { user: 'U0BOB', option: 'Deploy' },
    ];
    const card = renderTokenCard(token, { ...state, approvals });
    expect(JSON.stringify(card.blocks)).toContain('by <@U0ALICE> and <@U0BOB> via button');
    expect(renderDecisionReply(token, approvals).text).toBe(
      '✅ <@U0ALICE> and <@U0BOB> answered *Deploy*. The agent has been told.',
    );
    const three = [...approvals, { user: 'cli-dan', userName: 'Dan', option: 'Deploy' }];
    expect(renderDecisionReply(token, three).text).toContain('<@U0ALICE>, <@U0BOB> and Dan answered');
  });

  it("a form answer reads by the fields' labels, in the schema's order, on the card, the reply and the fallback", () => {
    const token = resolved({
      answered_via: 'form',
      answer_schema: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', title: 'Replicas' },
          region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'us-east-1'] },
          dry_run: { type: 'boolean', title: 'Dry run only' },
          note: { type: 'string' },
        },
        required: ['replicas'],
      },
      human_input: { note: 'ship it', dry_run: false, region: 'eu-west-1', replicas: 3 },
    });
    const expected = 'Replicas: 3 · Region: eu-west-1 · Dry run only: no · note: ship it';
    const card = renderTokenCard(token, state);
    expect(JSON.stringify(card.blocks)).toContain(`*Answer:* ${expected}`);
    expect(JSON.stringify(card.blocks)).not.toContain('dry_run');
    expect(card.text).toContain(expected);
    expect(renderDecisionReply(token).text).toBe(`✅ <@U0BOB> answered *${expected}*. The agent has been told.`);
  });

  it('joins sentences without doubling their full stop', () => {
    const token = resolved({ human_input: 'Use staging, not prod.' });
    // Slack shows "*not prod.*." as "not prod.. The agent": the answer's own full stop ends the sentence.
    expect(renderDecisionReply(token).text).toBe(
      '✅ <@U0BOB> answered *Use staging, not prod.* The agent has been told.',
    );
    expect(renderDecisionReply(resolved({ human_input: 'Why?' })).text).toBe(
      '✅ <@U0BOB> answered *Why?* The agent has been told.',
    );
    expect(alreadyClosedText(token)).toBe('Already answered by <@U0BOB> — Use staging, not prod. Nothing changed.');
    expect(githubErrorText('acme/web#1', 'Not Found.')).toBe(
      '⚠️ GitHub refused to update `acme/web#1`: Not Found. rodizio will not retry.',
    );
    expect(endSentence('Done')).toBe('Done.');
    expect(endSentence('“Done!”')).toBe('“Done!”');
    expect(endSentence('(see the thread)')).toBe('(see the thread).');
  });
});

describe('answer modal', () => {
  it('is a multiline text box when the token has no schema', () => {
    const view = renderAnswerModal(makeToken(), { channel: 'C0GENERAL', ts: '1.2' });
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({
      token_id: 'sem-0a1b2c3d',
      channel: 'C0GENERAL',
      ts: '1.2',
    });
    expect(view.blocks.at(-1)).toMatchObject({
      type: 'input',
      block_id: 'rodizio.answer.text',
      element: { type: 'plain_text_input', multiline: true, action_id: 'value' },
      hint: { text: 'Suggested: Deploy · Hold' },
    });
  });

  it('generates typed inputs from an answer schema', () => {
    const view = renderAnswerModal(
      makeToken({
        answer_schema: {
          type: 'object',
          title: 'Capacity',
          properties: {
            replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 10 },
            region: { type: 'string', enum: ['eu', 'us'] },
            dry_run: { type: 'boolean', description: 'Only plan' },
            note: { type: 'string', multiline: true },
          },
          required: ['replicas', 'region'],
        },
      }),
    );
    expect(view.title.text).toBe('Capacity');
    expect(view.blocks.slice(2)).toMatchSnapshot();
    expect(view.blocks.slice(2).map((b) => [b.block_id, (b as { optional?: boolean }).optional])).toEqual([
      ['rodizio.field.replicas', false],
      ['rodizio.field.region', false],
      ['rodizio.field.dry_run', true],
      ['rodizio.field.note', true],
    ]);
  });
});
