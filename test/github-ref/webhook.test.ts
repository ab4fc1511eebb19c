import { describe, expect, it } from 'vitest';
import { CARDS } from '../helpers/slack.js';
import { A, B, C, deliver, optionButtons, push, REPO, refLine, sign, startRefBridge } from './setup.js';

const approval = (ref = 'main', sha = A) => ({
  reason: 'approval_needed',
  prompt: 'Deploy `main` to production?',
  options: ['Approve', 'Reject'],
  github_ref: { repo: REPO, ref, sha },
});

describe('approvals tied to repository state: the GitHub webhook', () => {
  it('a signed push moves the branch: the card says stale with a compare link, and the answer is for the new commit', async () => {
    const t = await startRefBridge();
    const { id, card } = await t.createAndPost(approval());
    expect(refLine(card)).toBe(`🔀 \`main\` of acme/web at <https://github.com/acme/web/commit/${A}|\`aaaaaaa\`>`);
    expect(optionButtons(card).map((b) => [b.text?.text, b.value, b.confirm])).toEqual([
      ['Approve', `${id}|0|${A}`, undefined],
      ['Reject', `${id}|1|${A}`, undefined],
    ]);

    // GitHub spells the repository its own way (case): still the same repository.
    const res = await deliver(t, 'push', push(B));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ moved: 1 });
    await t.drain();
    const stale = await t.card(id);
    expect(refLine(stale)).toMatch(
      new RegExp(
        '^⚠️ \\*Stale:\\* `main` moved from <https://github.com/acme/web/commit/a{40}\\|`aaaaaaa`> ' +
          'to <https://github.com/acme/web/commit/b{40}\\|`bbbbbbb`> <!date\\^\\d+\\^[^>]+> ' +
          `\\(<https://github.com/acme/web/compare/${A}...${B}\\|compare aaaaaaa...bbbbbbb>\\) since the agent asked`,
      ),
    );
    const [approve, reject] = optionButtons(stale);
    expect(approve?.text?.text).toBe('Approve bbbbbbb');
    expect(approve?.value).toBe(`${id}|0|${B}`);
    expect(approve?.confirm?.title?.text).toBe('Confirm bbbbbbb?');
    expect(approve?.confirm?.text?.text).toBe(
      'main moved from aaaaaaa (what the agent saw) to bbbbbbb. “Approve” will be for bbbbbbb.',
    );
    expect(approve?.confirm?.confirm?.text).toBe('Yes, bbbbbbb');
    expect(reject?.text?.text).toBe('Reject bbbbbbb');

    const moved = (await t.bridge.purgatory.history(id)).filter((e) => e.type === 'ref_moved');
    expect(moved).toEqual([
      expect.objectContaining({
        actor: 'github',
        data: { repo: REPO, ref: 'main', from: A, to: B, seen: A, via: 'webhook' },
      }),
    ]);
    // The same delivery again (GitHub redelivers): nothing more moves.
    expect((await deliver(t, 'push', push(B))).json).toEqual({ moved: 0 });
    expect((await t.bridge.purgatory.history(id)).filter((e) => e.type === 'ref_moved')).toHaveLength(1);

    // Confirming the new commit (Slack shows the dialog; the click arrives after "Yes, bbbbbbb").
    const click = await t.driver.clickButton({
      channel: CARDS,
      ts: card.ts,
      actionId: approve?.action_id as string,
      user: 'U0ALICE',
    });
    expect(click.status).toBe(200);
    await t.drain();
    const reentry = await t.reentry(id, 0);
    expect(reentry.json).toMatchObject({ outcome: 'resolved', human_input: 'Approve', approved_sha: B });
    const resolved = (await t.bridge.purgatory.history(id)).find((e) => e.type === 'resolved');
    expect(resolved?.data).toMatchObject({ approved_sha: B });
    expect(refLine(await t.card(id))).toBe(
      `🔀 Answered for <https://github.com/acme/web/commit/${B}|\`bbbbbbb\`> on \`main\` of acme/web — the agent ` +
        `saw <https://github.com/acme/web/commit/${A}|\`aaaaaaa\`> (<https://github.com/acme/web/compare/${A}...${B}|compare aaaaaaa...bbbbbbb>)`,
    );
  });

  it('an answer from a card drawn before the ref moved is refused, and nothing changes', async () => {
    const t = await startRefBridge();
    const { id, card } = await t.createAndPost(approval());
    // The card's refresh is held back (Slack rate-limits chat.update for a minute): people still see the old card.
    t.fake.inject('chat.update', { status: 429, retryAfter: 60 });
    expect((await deliver(t, 'push', push(B))).json).toEqual({ moved: 1 });
    await t.drain();
    expect(optionButtons(await t.card(id))[0]?.value).toBe(`${id}|0|${A}`);

    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.drain();
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    expect(t.fake.ephemerals.map((e) => e.text)).toEqual([
      'main moved to bbbbbbb after the card you answered showed aaaaaaa. The card now shows the new commit: look at it and answer again. Nothing changed.',
    ]);

    t.clock.advance(61_000);
    await t.drain();
    expect(optionButtons(await t.card(id))[0]?.text?.text).toBe('Approve bbbbbbb');
    await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user: 'U0ALICE' });
    await t.drain();
    expect((await t.reentry(id, 0)).json).toMatchObject({ human_input: 'Approve', approved_sha: B });
  });

  it('pull_request synchronize moves a pull request head; other actions and events are acknowledged and ignored', async () => {
    const t = await startRefBridge();
    const { id } = await t.createAndPost(approval('pull/42'));
    const pr = (action: string, sha: string) => ({
      action,
      number: 42,
      pull_request: { number: 42, head: { ref: 'feature', sha }, base: { ref: 'main' } },
      repository: { full_name: REPO },
    });
    expect(await deliver(t, 'pull_request', pr('labeled', C))).toMatchObject({ status: 202 });
    expect(await deliver(t, 'issues', { action: 'opened', repository: { full_name: REPO } })).toMatchObject({
      status: 202,
      json: { ignored: 'event issues is not watched' },
    });
    expect(await deliver(t, 'push', push(C, A, 'refs/heads/pull/42'))).toMatchObject({ json: { moved: 0 } });
    expect(await deliver(t, 'ping', { zen: 'Design for failure.', hook_id: 1 })).toMatchObject({ status: 200 });
    expect((await t.bridge.purgatory.history(id)).filter((e) => e.type === 'ref_moved')).toHaveLength(0);

    expect(await deliver(t, 'pull_request', pr('synchronize', C))).toMatchObject({ status: 200, json: { moved: 1 } });
    await t.drain();
    expect(refLine(await t.card(id))).toMatch(/^⚠️ \*Stale:\* `PR #42` moved from .*`aaaaaaa`.* to .*`ccccccc`/);
  });

  it('votes toward a quorum were for the old commit: a move clears them', async () => {
    const t = await startRefBridge();
    const { id, card } = await t.createAndPost({ ...approval(), required_approvals: 2 });
    const vote = async (user: string) => {
      await t.driver.clickButton({ channel: CARDS, ts: card.ts, actionId: 'rodizio.option.0', user });
      await t.drain();
    };
    await vote('U0ALICE');
    expect(await t.bridge.purgatory.approvals(id)).toHaveLength(1);
    await deliver(t, 'push', push(B));
    await t.drain();
    expect(await t.bridge.purgatory.approvals(id)).toEqual([]);
    const moved = (await t.bridge.purgatory.history(id)).find((e) => e.type === 'ref_moved');
    expect(moved?.data).toMatchObject({ votes_cleared: 1 });
    await vote('U0BOB');
    expect((await t.bridge.purgatory.get(id)).status).toBe('pending');
    await vote('U0ALICE');
    expect((await t.reentry(id, 0)).json).toMatchObject({ human_input: 'Approve', approved_sha: B });
  });

  it('a bad signature is 401 and changes nothing', async () => {
    const t = await startRefBridge();
    const { id } = await t.createAndPost(approval());
    const body = JSON.stringify(push(B));
    const updates = () => t.fake.callsTo('chat.update').length;
    const before = updates();
    for (const [signature, why] of [
      [sign(body, 'another-secret-0123456789'), 'does not match'],
      [null, 'missing X-Hub-Signature-256'],
      ['sha256=not-hex', 'does not match'],
      [sign(JSON.stringify(push(C))), 'does not match'],
    ] as const) {
      const res = await deliver(t, 'push', undefined, { body, signature });
      expect(res.status).toBe(401);
      expect(res.json.error).toMatchObject({ code: 'invalid_signature', message: expect.stringContaining(why) });
    }
    await t.drain();
    expect(updates()).toBe(before);
    expect((await t.bridge.purgatory.history(id)).map((e) => e.type)).not.toContain('ref_moved');
    expect((await t.bridge.store.githubRefs.get(id))?.head_sha).toBe(A);
  });

  it('refuses a signed body that is not JSON (415, 400) or too big (413); without a secret the route does not exist', async () => {
    const t = await startRefBridge();
    const form = `payload=${encodeURIComponent(JSON.stringify(push(B)))}`;
    const res = await deliver(t, 'push', undefined, {
      body: form,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.json.error.message).toMatch(/set the webhook's content type to application\/json/);
    expect((await deliver(t, 'push', undefined, { body: '{"ref":' })).status).toBe(400);
    const bad = await deliver(t, 'push', { ...push(B), after: 'xyz' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues).toEqual([{ path: '(root)', message: expect.stringMatching(/40 lowercase hex/) }]);
    const big = await deliver(t, 'push', undefined, { body: 'x'.repeat(5 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);

    const off = await startRefBridge({ webhook: false });
    expect((await deliver(off, 'push', push(B))).status).toBe(404);
  });
});
