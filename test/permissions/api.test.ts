import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET, startTestBridge } from '../helpers/bridge.js';
import { storeSnapshot } from '../helpers/store.js';

const BASH = { tool_name: 'Bash', input: { command: 'rm -rf build/', description: 'Clean the build' } };

describe('permission requests and proposed input over the agent API', () => {
  it('stores a permission request with Allow/Deny and its input as the proposal, and reads it back', async () => {
    const t = await startTestBridge();
    const created = await t.call('POST', '/v1/tokens', {
      body: { reason: 'approval_needed', prompt: 'Claude wants to run a command', permission: BASH },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'pending',
      options: ['Allow', 'Deny'],
      permission: BASH,
      proposed_input: BASH.input,
    });
    const read = await t.call('GET', `/v1/tokens/${created.json.id}`);
    expect(read.json).toMatchObject({ permission: BASH, proposed_input: BASH.input, options: ['Allow', 'Deny'] });
    expect(read.json.edited_input).toBeUndefined();
  });

  it('keeps a proposed command string; a token without one reads null; a replay is the same token', async () => {
    const t = await startTestBridge();
    const body = { id: 'sem-proposal', reason: 'sensitive_action', prompt: 'Run this?', proposed_input: 'make deploy' };
    const created = await t.call('POST', '/v1/tokens', { body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ proposed_input: 'make deploy', permission: null, options: [] });
    const replay = await t.call('POST', '/v1/tokens', { body });
    expect(replay.status).toBe(200);
    const other = await t.call('POST', '/v1/tokens', { body: { ...body, proposed_input: 'make deploy-all' } });
    expect(other.status).toBe(409);

    const plain = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'Go?' } });
    expect(plain.json).toMatchObject({ proposed_input: null, permission: null });
  });

  it.each([
    ['a permission without tool_name', { permission: { input: {} } }, 'permission.tool_name'],
    ['an input that is not an object', { permission: { tool_name: 'Bash', input: 'ls' } }, 'permission.input'],
    ['an unknown key in permission', { permission: { ...BASH, tool: 'Bash' } }, 'permission'],
    ['options without Deny', { permission: BASH, options: ['Allow', 'Later'] }, 'options'],
    ['a proposal too large', { proposed_input: 'x'.repeat(100_001) }, 'proposed_input'],
    ['a tool name too long', { permission: { tool_name: 'T'.repeat(201), input: {} } }, 'permission.tool_name'],
  ])('refuses %s with 400 and stores nothing', async (_what, extra, path) => {
    const t = await startTestBridge();
    const before = await storeSnapshot(t.bridge.store);
    const res = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', prompt: 'x', ...extra } });
    expect(res.status).toBe(400);
    expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('answers a permission request only with one of its options, and changes nothing otherwise', async () => {
    const t = await startTestBridge();
    const created = await t.call('POST', '/v1/tokens', { body: { reason: 'approval_needed', permission: BASH } });
    const id = created.json.id as string;
    const before = await storeSnapshot(t.bridge.store);
    const free = await t.call('POST', `/v1/tokens/${id}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'sure, go ahead', by: 'U1' },
    });
    expect(free.status).toBe(400);
    expect(free.json.error.issues).toEqual([
      { path: 'human_input', message: 'a permission request is answered with one of its options: Allow, Deny' },
    ]);
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);

    const ok = await t.call('POST', `/v1/tokens/${id}/resolve`, {
      token: ADMIN_SECRET,
      body: { human_input: 'Deny', by: 'U1' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.reentry).toMatchObject({ human_input: 'Deny', via: 'api' });
    expect(ok.json.reentry).not.toHaveProperty('edited_input');
    expect(ok.json.reentry).not.toHaveProperty('decided_by');
  });
});

describe('an answer with an edit or a reason, kept with the settlement', () => {
  const actor = { runner: 'ci', admin: false };

  it('keeps the edited input and the Deny reason in the token, the reentry and the audit event', async () => {
    const t = await startTestBridge();
    const { purgatory } = t.bridge;
    const { token } = await purgatory.create({ reason: 'approval_needed', permission: BASH }, actor);
    const edited = { command: 'rm -rf build/tmp', description: 'Clean the build' };
    const result = await purgatory.resolve(token.id, {
      humanInput: 'Allow',
      by: 'U0ALICE',
      via: 'form',
      editedInput: edited,
    });
    expect(result.reentry).toMatchObject({ human_input: 'Allow', edited_input: edited, via: 'form' });
    expect(result.reentry).not.toHaveProperty('message');
    // Read back from the store, not from what the call returned.
    expect(await purgatory.reentry(token.id)).toMatchObject({ edited_input: edited });
    expect(await purgatory.get(token.id)).toMatchObject({ edited_input: edited, proposed_input: BASH.input });
    const resolved = (await t.bridge.store.events.forToken(token.id)).find((e) => e.type === 'resolved');
    expect(JSON.parse(resolved?.data ?? '{}')).toEqual({
      via: 'form',
      human_input: 'Allow',
      proposed_input: BASH.input,
      edited_input: edited,
    });

    const { token: second } = await purgatory.create({ reason: 'approval_needed', permission: BASH }, actor);
    const denied = await purgatory.resolve(second.id, {
      humanInput: 'Deny',
      by: 'U0BOB',
      via: 'form',
      message: 'not on a Friday',
    });
    expect(denied.reentry).toMatchObject({ human_input: 'Deny', message: 'not on a Friday' });
    expect(await purgatory.reentry(second.id)).toMatchObject({ message: 'not on a Friday' });
  });

  it.each([
    ['an edit that is not an object', { humanInput: 'Allow', editedInput: 'rm -rf /' }, 'edited_input'],
    [
      'a grant with Deny',
      { humanInput: 'Deny', grant: { scope: 'exact', value: 'rm -rf build/', durationMs: 3_600_000 } },
      'grant',
    ],
    [
      'a prefix that does not match',
      { humanInput: 'Allow', grant: { scope: 'prefix', value: 'npm ', durationMs: 3_600_000 } },
      'grant',
    ],
    [
      'a grant for two days',
      { humanInput: 'Allow', grant: { scope: 'exact', value: 'rm -rf build/', durationMs: 172_800_000 } },
      'grant',
    ],
  ] as const)('refuses %s and changes nothing', async (_what, answer, path) => {
    const t = await startTestBridge();
    const { purgatory } = t.bridge;
    const { token } = await purgatory.create({ reason: 'approval_needed', permission: BASH }, actor);
    const before = await storeSnapshot(t.bridge.store);
    await expect(purgatory.resolve(token.id, { ...answer, by: 'U1', via: 'form' })).rejects.toMatchObject({
      code: 'invalid_request',
      issues: [expect.objectContaining({ path })],
    });
    expect(await storeSnapshot(t.bridge.store)).toEqual(before);
  });

  it('refuses an edit on a token that proposed nothing', async () => {
    const t = await startTestBridge();
    const { purgatory } = t.bridge;
    const { token } = await purgatory.create({ reason: 'approval_needed', prompt: 'Go?' }, actor);
    await expect(
      purgatory.resolve(token.id, { humanInput: 'yes', by: 'U1', via: 'form', editedInput: 'x' }),
    ).rejects.toMatchObject({ issues: [{ path: 'edited_input', message: 'this token proposed no input to edit' }] });
    expect((await purgatory.get(token.id)).status).toBe('pending');
  });
});
