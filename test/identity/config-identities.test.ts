import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../helpers/temp.js';

function configFile(json: unknown): string {
  const path = join(tempDir(), 'rodizio.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}

const load = (json: unknown) => loadConfig({ PORT: '0', RODIZIO_SANDBOX: 'false', RODIZIO_CONFIG: configFile(json) });

describe('identities in the config file', () => {
  it('maps Slack users to forge logins (a leading @ is dropped)', () => {
    const c = load({ identities: { U0123ABCD: 'octocat', W0GRID01: '@Forge.User_1' } });
    expect(c.file.identities).toEqual({ U0123ABCD: 'octocat', W0GRID01: 'Forge.User_1' });
  });

  it.each([
    [{ U0123ABCD: 'bad login' }, /identities\.U0123ABCD: must be a GitHub or Forgejo\/Gitea login such as octocat/],
    [{ U0123ABCD: 'trailing-' }, /identities\.U0123ABCD: must be a GitHub or Forgejo\/Gitea login/],
    [{ U0123ABCD: '' }, /identities\.U0123ABCD: must be a GitHub or Forgejo\/Gitea login/],
    [{ octocat: 'octocat' }, /identities\.octocat: must be a Slack user id such as U0123ABCD/],
    [{ C0CHANNEL: 'octocat' }, /identities\.C0CHANNEL: must be a Slack user id/],
  ])('refuses to start with %o, naming the entry', (identities, message) => {
    expect(() => load({ identities })).toThrow(message);
  });
});
