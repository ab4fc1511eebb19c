import { describe, expect, it } from 'vitest';
import { startFakeForge, startForgeBridge } from '../forge/forge-harness.js';
import { HOUR } from '../helpers/followups.js';
import { CARDS } from '../helpers/slack.js';

const CODE = /`(rodizio-[0-9a-f]{10})`/;

describe.each(['github', 'gitea'] as const)('/rodizio link on a %s forge', (dialect) => {
  const profile = dialect === 'gitea' ? 'Forgejo/Gitea profile biography' : 'GitHub profile bio';

  it('proves a login with a one-time code in the profile, then knows who you are until you unlink', async () => {
    const forge = await startFakeForge(dialect, { users: { octocat: 'I like cats', ghost: '' } });
    const t = await startForgeBridge(forge);
    const cmd = async (text: string, user = 'U0ALICE') => (await t.command({ user, channel: CARDS, text })).reply?.text;
    const links = t.bridge.store.identities;

    expect(await cmd('link')).toMatch(/^Your Slack account is not linked to a (GitHub|Forgejo\/Gitea) account\./);
    expect(await cmd('link verify')).toMatch(/^Nothing to verify: start with `\/rodizio link </);

    const started = await cmd('link @octocat');
    const code = CODE.exec(started ?? '')?.[1];
    expect(code).toBeDefined();
    expect(started).toContain(`To link your Slack account to *octocat* on`);
    expect(started).toContain(`in octocat's ${profile}`);
    expect(started).toContain(dialect === 'gitea' ? `${forge.origin}/user/settings` : '/settings/profile');
    expect(started).toContain('Run `/rodizio link verify` within 60 minutes');

    // Not there yet: nothing linked.
    expect(await cmd('link verify')).toBe(
      `\`${code}\` is not in octocat's ${profile} yet. Save it there (<${dialect === 'gitea' ? `${forge.origin}/user/settings` : `${forge.origin}/settings/profile`}|profile settings>), then run \`/rodizio link verify\` again. Nothing changed.`,
    );
    expect(await links.link('U0ALICE')).toBeUndefined();
    // Somebody else's code does not count for Alice.
    expect(await cmd('link octocat', 'U0BOB')).toMatch(CODE);

    forge.setProfile('octocat', `I like cats. ${code}`);
    expect(await cmd('link verify')).toMatch(/^Linked: you are \*octocat\* on /);
    expect(await links.link('U0ALICE')).toMatchObject({ slack_user: 'U0ALICE', login: 'octocat' });
    expect(await links.challenge('U0ALICE')).toBeUndefined();
    expect(await links.link('U0BOB')).toBeUndefined();
    expect(forge.callsTo('GET', /^\/users\/octocat$/)).toHaveLength(2);
    expect(await cmd('link')).toMatch(/^You are \*octocat\* on .* \(linked by you; `\/rodizio unlink` undoes it\)\./);

    expect(await cmd('unlink')).toMatch(/^Unlinked: rodizio no longer takes you for \*octocat\*/);
    expect(await links.link('U0ALICE')).toBeUndefined();
    expect(await cmd('unlink')).toBe('You had not linked an account. Nothing changed.');
  });

  it('refuses bad logins, unknown users and expired codes, changing nothing', async () => {
    const forge = await startFakeForge(dialect, { users: { octocat: '' } });
    const t = await startForgeBridge(forge, { file: { identities: { U0CAROL: 'carol-gh' } } });
    const cmd = async (text: string, user = 'U0ALICE') => (await t.command({ user, channel: CARDS, text })).reply?.text;
    const links = t.bridge.store.identities;

    for (const bad of ['bad!!login', '-dash', 'a--b', 'x'.repeat(41), '<script>']) {
      expect(await cmd(`link ${bad}`)).toMatch(
        /is not a (GitHub|Forgejo\/Gitea) login \(letters, digits .*Nothing changed\.$/,
      );
    }
    expect(await links.challenge('U0ALICE')).toBeUndefined();

    await cmd('link nobody-here');
    expect(await cmd('link verify')).toMatch(/^There is no .* user \*nobody-here\*\. .*Nothing changed\.$/);
    expect(await links.link('U0ALICE')).toBeUndefined();

    const code = CODE.exec((await cmd('link octocat')) ?? '')?.[1];
    forge.setProfile('octocat', `${code}`);
    t.clock.set(t.clock.now() + HOUR + 1);
    expect(await cmd('link verify')).toBe(
      'The code for *octocat* has expired. Run `/rodizio link octocat` for a new one. Nothing changed.',
    );
    expect(await links.link('U0ALICE')).toBeUndefined();

    // A login declared in the config file is not changed from Slack.
    expect(await cmd('link other', 'U0CAROL')).toMatch(/config file says you are \*carol-gh\*.*Nothing changed\.$/);
    expect(await cmd('link', 'U0CAROL')).toMatch(/^You are \*carol-gh\* on .* \(from rodizio's config file\)\.$/);
    expect(await links.challenge('U0CAROL')).toBeUndefined();

    // The forge down: said, nothing linked.
    const again = CODE.exec((await cmd('link octocat')) ?? '')?.[1];
    forge.setProfile('octocat', `${again}`);
    forge.down();
    expect(await cmd('link verify')).toMatch(/^Could not read the profile on .* just now/);
    expect(await links.link('U0ALICE')).toBeUndefined();
    forge.up();
    expect(await cmd('link verify')).toMatch(/^Linked: you are \*octocat\*/);
  });
});
