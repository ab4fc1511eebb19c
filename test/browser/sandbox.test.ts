import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWSER_AVAILABLE, openBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { startSandboxBridge } from '../helpers/sandbox.js';

type Sandbox = Awaited<ReturnType<typeof startSandboxBridge>>;

async function create(s: Sandbox, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${s.url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id: string };
  return json.id;
}

/** What the agent gets: its long-poll for the reentry, started before anybody answers. */
function waitForReentry(s: Sandbox, id: string) {
  return fetch(`${s.url}/v1/tokens/${id}/reentry?wait=30`, { headers: { authorization: `Bearer ${s.token}` } }).then(
    async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }),
  );
}

describe.skipIf(!BROWSER_AVAILABLE)('the sandbox page in Chromium', () => {
  it('shows the card; clicking a danger option asks to confirm; the card flips and the agent gets the answer', async () => {
    const s = await startSandboxBridge();
    const id = await create(s, {
      reason: 'sensitive_action',
      severity: 'critical',
      prompt: 'Drop the *staging* database and restore last night’s snapshot?',
      options: ['Drop and restore', 'Keep it'],
      project: 'web',
      github_issue: 'acme/web#412',
    });
    const reentry = waitForReentry(s, id);
    const { page, errors } = await openBrowser();
    await page.goto(`${s.url}/sandbox#user=U0ALICE&channel=C0AGENTS`);
    const card = page.getByTestId('message').filter({ hasText: 'Drop the staging database' });
    await card.waitFor();
    expect(await card.locator('b', { hasText: 'staging' }).count()).toBe(1); // *staging* rendered bold
    await page.screenshot({ path: join(SCREENSHOTS, 'card.png') });

    await card.getByRole('button', { name: 'Drop and restore' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Are you sure?');
    await page.screenshot({ path: join(SCREENSHOTS, 'confirm.png') });
    await page.getByTestId('confirm-yes').click();

    const got = await reentry;
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      token_id: id,
      human_input: 'Drop and restore',
      answered_by: 'U0ALICE',
      via: 'button',
    });
    await card.getByText('Sensitive action — answered').waitFor();
    expect(await card.getByRole('button', { name: 'Drop and restore' }).count()).toBe(0);
    await page.getByTestId('thread-link').first().click();
    await page.getByTestId('thread-pane').getByText('answered Drop and restore').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'answered.png') });
    expect(errors).toEqual([]);
  });

  it('answers through the modal: an out-of-range number is refused inline, a right answer reaches the agent typed', async () => {
    const s = await startSandboxBridge();
    const id = await create(s, {
      reason: 'resource_decision',
      prompt: 'Scale the canary: how many replicas, and where?',
      answer_schema: {
        type: 'object',
        title: 'Canary capacity',
        properties: {
          replicas: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 20 },
          region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'us-east-1'] },
        },
        required: ['replicas', 'region'],
      },
    });
    const reentry = waitForReentry(s, id);
    const { page, errors } = await openBrowser();
    await page.goto(`${s.url}/sandbox#user=U0BOB&channel=C0AGENTS`);
    const card = page.getByTestId('message').filter({ hasText: 'Scale the canary' });
    await card.getByRole('button', { name: 'Fill in the form…' }).click();
    const modal = page.getByTestId('modal');
    await modal.waitFor();
    expect(await modal.textContent()).toContain('Canary capacity');
    await modal.locator('[data-block-id="rodizio.field.region"]').selectOption('eu-west-1');
    await modal.locator('[data-block-id="rodizio.field.replicas"]').fill('0');
    await page.getByTestId('modal-submit').click();
    await expect
      .poll(async () => (await page.getByTestId('input-error').allTextContents()).join(' '))
      .toMatch(/>=1|at least|greater/i);
    await page.screenshot({ path: join(SCREENSHOTS, 'modal.png') });
    await modal.locator('[data-block-id="rodizio.field.replicas"]').fill('3');
    await page.getByTestId('modal-submit').click();
    const got = await reentry;
    expect(got.json).toMatchObject({
      human_input: { replicas: 3, region: 'eu-west-1' },
      answered_by: 'U0BOB',
      via: 'form',
    });
    await page.getByTestId('modal').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });

  it('a reply typed in the thread answers a context question', async () => {
    const s = await startSandboxBridge();
    const id = await create(s, { reason: 'context_required', prompt: 'Which database should the migration use?' });
    const reentry = waitForReentry(s, id);
    const { page, errors } = await openBrowser();
    await page.goto(`${s.url}/sandbox#user=U0CAROL&channel=C0AGENTS`);
    const card = page.getByTestId('message').filter({ hasText: 'Which database should the migration use?' });
    await card.hover();
    await card.getByTestId('reply-in-thread').click();
    const composer = page.getByTestId('thread-composer');
    await composer.fill('orders-replica-2, please');
    await composer.press('Enter');
    const got = await reentry;
    expect(got.json).toMatchObject({ human_input: 'orders-replica-2, please', answered_by: 'U0CAROL', via: 'thread' });
    await page.getByTestId('thread-pane').getByText('answered orders-replica-2, please').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'thread.png') });
    expect(errors).toEqual([]);
  });

  it('runs /rodizio from the composer and shows the App Home', async () => {
    const s = await startSandboxBridge();
    await create(s, { reason: 'approval_needed', prompt: 'Ship the hotfix?', options: ['Ship', 'Wait'] });
    const { page, errors } = await openBrowser();
    await page.goto(`${s.url}/sandbox#user=U0ALICE&channel=C0AGENTS`);
    await page.getByTestId('message').filter({ hasText: 'Ship the hotfix?' }).waitFor();
    await page.getByTestId('composer').fill('/rodizio list');
    await page.getByTestId('composer').press('Enter');
    await page.getByTestId('ephemeral').filter({ hasText: 'Waiting for you (1)' }).waitFor();
    await page.getByTestId('nav-home').click();
    const home = page.getByTestId('home');
    await home.getByText('Ship the hotfix?').waitFor();
    await home.getByRole('button', { name: 'Ship' }).click();
    await home.getByText('Nothing is waiting for you right now.').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'home.png') });
    expect(errors).toEqual([]);
  });
});
