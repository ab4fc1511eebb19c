import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../helpers/temp.js';

const base = { PORT: '0', RODIZIO_SANDBOX: 'false' };

describe('FORGE settings', () => {
  it('GitHub stays the default and its settings keep working; FORGE_TOKEN and FORGE_API_URL are other names', () => {
    const old = loadConfig({ ...base, GITHUB_TOKEN: 'ghp_x', GITHUB_API_URL: 'https://ghe.example.com/api/v3' });
    expect(old.github).toEqual({
      apiUrl: 'https://ghe.example.com/api/v3',
      auth: { kind: 'token', token: 'ghp_x' },
      blockedLabel: 'blocked',
    });
    expect(old.githubWebUrl).toBe('https://ghe.example.com');
    const named = loadConfig({ ...base, FORGE: 'github', FORGE_TOKEN: 'ghp_y' });
    expect(named.github).toMatchObject({ apiUrl: 'https://api.github.com', auth: { kind: 'token', token: 'ghp_y' } });
    expect(loadConfig(base).github).toBeUndefined();
  });

  it('FORGE=gitea takes the instance address or its /api/v1, and links issues to the instance', () => {
    for (const url of ['https://forge.example.com', 'https://forge.example.com/', 'https://forge.example.com/api/v1']) {
      const c = loadConfig({ ...base, FORGE: 'gitea', FORGE_API_URL: url, FORGE_TOKEN: 'tok' });
      expect(c.github).toEqual({
        forge: 'gitea',
        apiUrl: 'https://forge.example.com/api/v1',
        auth: { kind: 'token', token: 'tok' },
        blockedLabel: 'blocked',
      });
      expect(c.githubWebUrl).toBe('https://forge.example.com');
    }
  });

  it.each([
    [{ FORGE: 'foo' }, /FORGE: must be "github" or "gitea" \(Forgejo speaks gitea\)/],
    [{ FORGE: 'gitea', FORGE_TOKEN: 't' }, /FORGE_API_URL: is required with FORGE=gitea/],
    [{ FORGE: 'gitea', FORGE_API_URL: 'https://f.example' }, /FORGE_TOKEN: is required with FORGE=gitea/],
    [{ FORGE: 'gitea', FORGE_API_URL: 'ftp://f.example', FORGE_TOKEN: 't' }, /FORGE_API_URL: /],
    [
      { FORGE: 'gitea', FORGE_API_URL: 'https://f.example', FORGE_TOKEN: 't', GITHUB_TOKEN: 'g' },
      /GITHUB_TOKEN: with FORGE=gitea set FORGE_TOKEN instead/,
    ],
    [
      { GITHUB_TOKEN: 'a', FORGE_TOKEN: 'b' },
      /FORGE_TOKEN: set GITHUB_TOKEN, FORGE_TOKEN or the GITHUB_APP_\* variables/,
    ],
  ])('refuses to start with %o', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });

  it('a project critical_permission needs the project repo and a forge', () => {
    const file = (json: unknown) => {
      const path = join(tempDir(), 'rodizio.json');
      writeFileSync(path, JSON.stringify(json));
      return path;
    };
    const noRepo = file({ projects: { api: { critical_permission: 'write' } } });
    expect(() => loadConfig({ ...base, GITHUB_TOKEN: 'x', RODIZIO_CONFIG: noRepo })).toThrow(
      /projects\.api\.critical_permission needs the project's repo/,
    );
    const withRepo = file({ projects: { api: { repo: 'acme/api', critical_permission: 'write' } } });
    expect(() => loadConfig({ ...base, RODIZIO_CONFIG: withRepo })).toThrow(/needs a forge to check it/);
    expect(loadConfig({ ...base, GITHUB_TOKEN: 'x', RODIZIO_CONFIG: withRepo }).file.projects.api).toMatchObject({
      critical_permission: 'write',
    });
    const bad = file({ projects: { api: { repo: 'acme/api', critical_permission: 'read' } } });
    expect(() => loadConfig({ ...base, GITHUB_TOKEN: 'x', RODIZIO_CONFIG: bad })).toThrow(
      /projects\.api\.critical_permission: must be "write" or "admin"/,
    );
  });
});
