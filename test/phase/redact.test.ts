import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/phase/redact.js';

describe('redacting a terminal pane', () => {
  // Each secret goes; what labels it, quotes it or surrounds it stays readable.
  it.each([
    ['KEY=value', 'FORGE_TOKEN=abc123def456', 'FORGE_TOKEN=[redacted]'],
    ['KEY=vendor token', 'FORGE_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'FORGE_TOKEN=[redacted]'],
    [
      'export KEY=slack token',
      'export SLACK_BOT_TOKEN=xoxb-1234567890-abcdefghijkl',
      'export SLACK_BOT_TOKEN=[redacted]',
    ],
    ['KEY=sk- key', 'ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz', 'ANTHROPIC_API_KEY=[redacted]'],
    ['SECRET_KEY=value', 'SECRET_KEY=abcdef123', 'SECRET_KEY=[redacted]'],
    [
      'KEY=value with slashes',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AWS_SECRET_ACCESS_KEY=[redacted]',
    ],
    ['KEY: value', 'password: hunter22', 'password: [redacted]'],
    ['KEY="quoted value"', 'DB_PASSWORD="s3cret value with spaces"', 'DB_PASSWORD="[redacted]"'],
    ["KEY: 'quoted'", "api_key: 'abcd1234'", "api_key: '[redacted]'"],
    ['JSON field', '{"token": "abc123xyz", "user": "bob"}', '{"token": "[redacted]", "user": "bob"}'],
    ['--flag value', 'mysql --password hunter22 -h db', 'mysql --password [redacted] -h db'],
    [
      'Bearer JWT',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      'Authorization: Bearer [redacted]',
    ],
    ['KEY: Bearer …', 'auth: Bearer abcdefghijklmnop1234', 'auth: Bearer [redacted]'],
    [
      'token scheme in a header',
      'curl -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123456789" https://api.github.com',
      'curl -H "Authorization: token [redacted]" https://api.github.com',
    ],
    ['bare ghp_', 'github: ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github: [redacted github token]'],
    ['bare github_pat_', 'pat github_pat_11ABCDEFG0123456789_abcdefghijklmnop', 'pat [redacted github token]'],
    ['bare xoxb-', 'posting with xoxb-1234567890-abcdefghijkl now', 'posting with [redacted slack token] now'],
    ['bare sk-', 'key sk-proj-abcdefghijklmnopqrstuvwxyz', 'key [redacted api key]'],
    ['bare AKIA', 'aws AKIAABCDEFGHIJKLMNOP', 'aws [redacted aws key]'],
    [
      'URL with credentials',
      'git clone https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/acme/web.git',
      'git clone https://x-access-token:[redacted]@github.com/acme/web.git',
    ],
    [
      'KEY=URL with credentials',
      'DATABASE_URL=postgres://app:pa55w0rd@db.internal:5432/app',
      'DATABASE_URL=postgres://app:[redacted]@db.internal:5432/app',
    ],
    ['unlabelled generated key', 'blob: dGhpcyBpcyBhIHZlcnkgbG9uZyBzZWNyZXQgdmFsdWUgMTIzNA==', 'blob: [redacted key]'],
    [
      'private key block',
      'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\ndone',
      'key:\n[redacted private key]\ndone',
    ],
  ])('%s', (_what, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves ordinary pane text exactly as it was', () => {
    const ordinary = [
      'npm test: 3 failed, 41 passed',
      'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
      'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      'see https://github.com/acme/web/pull/40 for details',
      '/home/dev/projects/my-web-app/src/components/LoginFormContainer2/index.tsx',
      'The token was rejected; max_tokens=4096; tokens: 12',
      'auth: ok',
      'author: Jane Doe <jane@example.com>',
      'Bearer tokens are checked by the gateway',
      'already [redacted] upstream',
    ].join('\n');
    expect(redactSecrets(ordinary)).toBe(ordinary);
  });

  it('redacts every secret on a line and keeps the words around them', () => {
    expect(redactSecrets('FORGE_TOKEN=abc123def456 GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok')).toBe(
      'FORGE_TOKEN=[redacted] GITHUB_TOKEN=[redacted] ok',
    );
  });
});
