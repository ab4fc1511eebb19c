import { describe, expect, it } from 'vitest';
import { HOUR, startFollowupBridge, T0 } from '../helpers/followups.js';
import { CARDS, ONCALL } from '../helpers/slack.js';

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19); // offset-less, read as UTC

describe('deadlines and expiry policies', () => {
  it('escalate (default): posts to the escalation channel, mentions the target, links the card, stays pending', async () => {
    const t = await startFollowupBridge({
      file: { escalation_targets: { 'team-lead': 'U0LEAD' }, projects: { web: { escalation_channel: 'C0WEBONCALL' } } },
    });
    const { id, card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Approve the rollout?',
      options: ['yes', 'no'],
      deadline: iso(T0 + 2 * HOUR),
      escalation: 'team-lead',
      project: 'web',
    });
    await t.at(2 * HOUR - 1000);
    expect(t.fake.messages('C0WEBONCALL')).toHaveLength(0);
    await t.at(2 * HOUR);
    const [post] = t.fake.messages('C0WEBONCALL');
    expect(post?.text).toBe(`📣 Unanswered past its deadline: Approve the rollout? (${id})`);
    const section = JSON.stringify(post?.blocks);
    expect(section).toContain('📣 <@U0LEAD> — *🛡️ Approval needed* is still unanswered');
    expect(section).toContain(`/archives/${CARDS}/p${card.ts.replace('.', '')}|Approve the rollout?>`);
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain('📣 *Escalated*');
    expect(JSON.stringify((await t.card(id))?.blocks)).toContain('to <@U0LEAD>');
    expect(await t.bridge.purgatory.get(id)).toMatchObject({
      status: 'pending',
      followup: { escalated_to: '<@U0LEAD>' },
    });
    await t.at(3 * HOUR);
    expect(t.fake.messages('C0WEBONCALL')).toHaveLength(1);
    // Still answerable after escalation.
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0BOB' });
    await t.settle();
    expect((await t.bridge.purgatory.get(id)).status).toBe('resolved');
  });

  it('escalate with an unknown target shows it as text and logs it; the default channel is the escalation channel', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({
      reason: 'context_required',
      prompt: 'Which region?',
      deadline: iso(T0 + HOUR),
      escalation: 'night shift',
    });
    await t.at(HOUR);
    expect(JSON.stringify(t.fake.messages(ONCALL)[0]?.blocks)).toContain('📣 night shift — ');
    expect(t.logs.lines.find((l) => l.msg?.toString().startsWith('escalation target is not a Slack id'))).toMatchObject(
      {
        token_id: id,
        target: 'night shift',
        level: 'warn',
      },
    );
  });

  it('expire: the token becomes expired, the card says so, and the agent receives outcome expired', async () => {
    const t = await startFollowupBridge();
    const { id } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Ship before the freeze?',
      options: ['ship'],
      deadline: iso(T0 + HOUR),
      expiry_policy: 'expire',
      frozen_state: 'c3RhdGU=',
    });
    const poll = t.reentry(id, 10);
    await t.at(HOUR);
    const reentry = await poll;
    expect(reentry.json).toMatchObject({
      outcome: 'expired',
      human_input: null,
      via: 'deadline',
      frozen_state: 'c3RhdGU=',
    });
    expect(await t.bridge.purgatory.get(id)).toMatchObject({
      status: 'expired',
      voided_at: new Date(T0 + HOUR).toISOString().replace('Z', '+00:00'),
    });
    expect((await t.card(id))?.text).toContain('⌛ Expired');
    expect(t.fake.messages(ONCALL)).toHaveLength(0);
  });

  it('resolve:<option>: answered automatically with that option, recorded as answered by the deadline', async () => {
    const t = await startFollowupBridge();
    const { id, card } = await t.createAndPost({
      reason: 'ambiguous_choice',
      prompt: 'Which mirror?',
      options: ['eu', 'us'],
      deadline: iso(T0 + HOUR),
      expiry_policy: 'resolve:eu',
    });
    await t.at(HOUR);
    expect((await t.reentry(id)).json).toMatchObject({
      outcome: 'resolved',
      human_input: 'eu',
      answered_by: 'rodizio',
      answered_by_name: 'the deadline',
      via: 'deadline',
    });
    expect(t.fake.thread(CARDS, card.ts).at(-1)?.text).toBe('✅ the deadline answered *eu*. The agent has been told.');
  });

  it('a project can make expire its default; a token can still say escalate', async () => {
    const t = await startFollowupBridge({ file: { projects: { batch: { expiry_policy: 'expire' } } } });
    const a = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'a',
      project: 'batch',
      deadline: iso(T0 + HOUR),
    });
    const b = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'b',
      project: 'batch',
      deadline: iso(T0 + HOUR),
      expiry_policy: 'escalate',
    });
    await t.at(HOUR);
    expect((await t.bridge.purgatory.get(a.id)).status).toBe('expired');
    expect(await t.bridge.purgatory.get(b.id)).toMatchObject({ status: 'pending', followup: { escalated_to: null } });
    expect((await t.bridge.purgatory.get(b.id)).followup.escalated_at).not.toBeNull();
  });

  it('warns in the thread shortly before the deadline, once', async () => {
    const t = await startFollowupBridge({ env: { DEADLINE_WARNING: '30m' } });
    const { card } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'OK?',
      deadline: iso(T0 + 2 * HOUR),
      expiry_policy: 'expire',
    });
    await t.at(HOUR);
    expect(t.fake.thread(CARDS, card.ts)).toHaveLength(0);
    await t.at(HOUR + 31 * 60_000);
    await t.at(HOUR + 40 * 60_000);
    const warnings = t.fake.thread(CARDS, card.ts).filter((m) => m.text?.startsWith('⏳'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.text).toMatch(
      /^⏳ The deadline is in 29m \(<!date\^\d+\^.*\)\. Then: it expires and the agent is told nobody answered\.$/,
    );
  });
});
