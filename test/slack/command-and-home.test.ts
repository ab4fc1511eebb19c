import { describe, expect, it } from 'vitest';
import { CARDS, startSlackBridge } from '../helpers/slack.js';
import { storeSnapshot } from '../helpers/store.js';

describe('/rodizio', () => {
  it('lists, shows, resolves and cancels with ephemeral replies', async () => {
    const t = await startSlackBridge();
    const a = await t.createAndPost({ reason: 'approval_needed', prompt: 'Deploy?', options: ['Deploy', 'Hold'] });
    const b = await t.createAndPost({ reason: 'context_required', prompt: 'Which branch?' });
    const c = await t.createAndPost({ reason: 'error_recovery', prompt: 'Private', answerers: { users: ['U0DAVE'] } });

    const cmd = (text: string, user = 'U0ALICE') => t.command({ user, channel: CARDS, text });
    const list = (await cmd('list')).reply;
    expect(list).toMatchObject({ response_type: 'ephemeral' });
    const listText = list?.text ?? '';
    expect(listText).toContain('*Waiting for you (2):*');
    expect(listText.indexOf(b.id)).toBeLessThan(listText.indexOf(a.id));
    expect(listText).not.toContain(c.id);

    // The card's link takes a chat.getPermalink call: the ack is empty and the details follow by response_url.
    await cmd(`show ${a.id}`);
    const show = await t.fake.waitFor(() => t.fake.ephemerals.find((e) => e.text?.includes(`\`${a.id}\` — *pending*`)));
    expect(show.text).toContain(`🛡️ *Approval needed* \`${a.id}\` — *pending*`);
    expect(show.text).toContain('Options: `Deploy` · `Hold`');

    const resolved = (await cmd(`resolve ${a.id} deploy`)).reply;
    expect(resolved?.text).toBe(`Answered \`${a.id}\` with *Deploy*. The agent has been told.`);
    expect(await t.bridge.purgatory.get(a.id)).toMatchObject({ human_input: 'Deploy', answered_via: 'slash_command' });

    const freeText = (await cmd(`resolve ${b.id}   feature/login   please`)).reply;
    expect(freeText?.text).toContain('*feature/login   please*');

    const cancelled = (await cmd(`cancel ${c.id}`, 'U0DAVE')).reply;
    expect(cancelled?.text).toBe(`Cancelled \`${c.id}\`. The agent has been told.`);
    expect((await t.reentry(c.id)).json).toMatchObject({
      outcome: 'cancelled',
      answered_by: 'U0DAVE',
      via: 'slash_command',
    });
  });

  it('answers bad input with usage and changes nothing', async () => {
    const t = await startSlackBridge();
    const { id } = await t.createAndPost({
      reason: 'approval_needed',
      prompt: 'Deploy?',
      options: ['Deploy'],
      answerers: { users: ['U0ALICE'] },
    });
    await t.settle();
    const before = await storeSnapshot(t.bridge.store);
    const cases: [string, string, string][] = [
      ['', 'U0ALICE', '*/rodizio* — what agents are waiting for'],
      ['frobnicate', 'U0ALICE', 'I don\'t know "frobnicate".'],
      ['show', 'U0ALICE', 'Which one?'],
      ['show sem-nope', 'U0ALICE', 'No request with id `sem-nope`.'],
      ['resolve', 'U0ALICE', 'Usage: `/rodizio resolve <id> <answer>`'],
      [`resolve ${id}`, 'U0ALICE', 'Usage: `/rodizio resolve <id> <answer>`'],
      ['resolve sem-nope yes', 'U0ALICE', "This card's request (sem-nope) no longer exists."],
      [`resolve ${id} Deploy`, 'U0BOB', 'Only <@U0ALICE> may answer this one. Nothing changed.'],
      [`cancel ${id}`, 'U0BOB', 'Only <@U0ALICE> may answer this one. Nothing changed.'],
      ['cancel', 'U0ALICE', 'Usage: `/rodizio cancel <id>`'],
    ];
    for (const [text, user, expected] of cases) {
      const res = await t.command({ user, channel: CARDS, text });
      expect(res.status, text).toBe(200);
      expect(res.reply?.text, text).toContain(expected);
    }
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });
});

describe('App Home', () => {
  it('shows the pending tokens the viewer may answer, newest first, and answering from it refreshes it', async () => {
    const t = await startSlackBridge();
    const older = await t.createAndPost({ reason: 'approval_needed', prompt: 'Older one?', options: ['yes', 'no'] });
    const newer = await t.createAndPost({
      reason: 'resource_decision',
      prompt: 'Newer one?',
      options: ['small', 'large'],
    });
    await t.createAndPost({ reason: 'approval_needed', prompt: 'Not for Alice', answerers: { users: ['U0BOB'] } });

    await t.driver.openHome('U0ALICE');
    await t.settle();
    const home = t.fake.homeView('U0ALICE');
    const text = JSON.stringify(home?.blocks);
    expect(text).toContain('Waiting for you');
    expect(text.indexOf('Newer one?')).toBeLessThan(text.indexOf('Older one?'));
    expect(text).not.toContain('Not for Alice');

    await t.driver.clickHomeButton({ user: 'U0ALICE', actionId: 'rodizio.option.1', value: undefined });
    await t.settle();
    // The first option-1 button on the page belongs to the newest token.
    expect(await t.bridge.purgatory.get(newer.id)).toMatchObject({
      status: 'resolved',
      human_input: 'large',
      answered_by: 'U0ALICE',
    });
    expect((await t.bridge.purgatory.get(older.id)).status).toBe('pending');
    const refreshed = JSON.stringify(t.fake.homeView('U0ALICE')?.blocks);
    expect(refreshed).not.toContain('Newer one?');
    expect(refreshed).toContain('Older one?');
  });

  it('refusals from Home come as a small modal, since there is no channel for an ephemeral', async () => {
    const t = await startSlackBridge();
    const { id } = await t.createAndPost({ reason: 'approval_needed', prompt: 'Mine?', options: ['yes'] });
    await t.driver.openHome('U0ALICE');
    await t.settle();
    await t.bridge.purgatory.resolve(id, { humanInput: 'yes', by: 'U0BOB', via: 'api' });
    await t.driver.clickHomeButton({ user: 'U0ALICE', actionId: 'rodizio.option.0' });
    await t.settle();
    const notice = t.fake.modalStack('U0ALICE').at(-1);
    expect(JSON.stringify(notice?.view.blocks)).toContain('Already answered by <@U0BOB> — yes. Nothing changed.');
  });
});
