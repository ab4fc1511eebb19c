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
    // Only the option that does the risky thing is red; "Keep it" is an ordinary button with no confirm.
    expect(await card.getByRole('button', { name: 'Drop and restore' }).getAttribute('class')).toContain('bk-danger');
    const keep = card.getByRole('button', { name: 'Keep it' });
    expect(await keep.getAttribute('class')).not.toContain('bk-danger');
    expect(await keep.getAttribute('data-confirm')).toBeNull();

    await card.getByRole('button', { name: 'Drop and restore' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Are you sure?');
    // The confirm text is plain: the prompt's *staging* reads without its markers.
    expect(await page.getByTestId('confirm-dialog').locator('.confirm-text').textContent()).toBe(
      'Answer “Drop and restore”: Drop the staging database and restore last night’s snapshot?',
    );
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

  it('an ephemeral answering a click on a card far up the channel appears in view, not below the fold', async () => {
    const s = await startSandboxBridge();
    // Two cards at the top of a long channel: one that needs two approvals, one only Bob may answer.
    await create(s, {
      reason: 'approval_needed',
      prompt: 'Quorum: ship the release?',
      options: ['Ship', 'Hold'],
      required_approvals: 2,
    });
    await create(s, {
      reason: 'approval_needed',
      prompt: 'Bob only: rotate the keys?',
      options: ['Rotate'],
      answerers: { users: ['U0BOB'] },
    });
    for (let i = 0; i < 10; i++) await create(s, { reason: 'context_required', prompt: `Filler question ${i}?` });
    const { page, errors } = await openBrowser();
    await page.goto(`${s.url}/sandbox#user=U0ALICE&channel=C0AGENTS`);
    await page.getByTestId('message').filter({ hasText: 'Filler question 9?' }).waitFor();

    /** Fully inside the message list and the window, as IntersectionObserver (Playwright's toBeInViewport) sees it. */
    const inView = (text: string) =>
      page
        .getByTestId('ephemeral')
        .filter({ hasText: text })
        .evaluate(
          (el) =>
            new Promise<boolean>((resolve) => {
              const observer = new IntersectionObserver(([entry]) => {
                observer.disconnect();
                const box = el.getBoundingClientRect();
                const list = (el.closest('.messages') as HTMLElement).getBoundingClientRect();
                const inside = box.top >= list.top - 1 && box.bottom <= list.bottom + 1 && box.bottom <= innerHeight;
                resolve((entry?.intersectionRatio ?? 0) > 0.95 && inside);
              });
              observer.observe(el);
            }),
        );
    const scrollToTop = () => page.locator('#messages').evaluate((el) => el.scrollTo(0, 0));

    await scrollToTop();
    await page.getByTestId('message').filter({ hasText: 'Bob only' }).getByRole('button', { name: 'Rotate' }).click();
    const refusal = page.getByTestId('ephemeral').filter({ hasText: 'Nothing changed.' });
    await refusal.waitFor();
    await expect.poll(() => inView('Nothing changed.')).toBe(true);
    expect(await refusal.textContent()).toContain('Only visible to you');

    await scrollToTop();
    const quorum = page.getByTestId('message').filter({ hasText: 'Quorum: ship the release?' });
    await quorum.getByRole('button', { name: 'Ship' }).click();
    await page.getByTestId('ephemeral').filter({ hasText: '1 of 2 approvals' }).waitFor();
    await expect.poll(() => inView('1 of 2 approvals')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'ephemeral-in-view.png') });
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
