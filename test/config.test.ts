import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { tempDir } from './helpers/temp.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', dbPath: './data/rodizio.db', logLevel: 'info' });
    expect(c.apiTokens.size).toBe(0);
    expect(c.file).toEqual({ projects: {}, runners: {}, escalation_targets: {}, severity_channels: {} });
  });

  it('parses runner tokens', () => {
    const c = loadConfig({ RODIZIO_API_TOKENS: 'ci:s3cret, nightly-2:other:with:colons', PORT: '8080' });
    expect([...c.apiTokens]).toEqual([
      ['ci', 's3cret'],
      ['nightly-2', 'other:with:colons'],
    ]);
    expect(c.port).toBe(8080);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'chatty' }, /LOG_LEVEL/],
    [{ RODIZIO_API_TOKENS: 'justasecret' }, /RODIZIO_API_TOKENS: entry 1 must look like runner:secret/],
    [{ RODIZIO_API_TOKENS: 'a:1,a:2' }, /runner "a" is listed twice/],
    [{ RODIZIO_API_TOKENS: 'bad name:1' }, /runner name "bad name"/],
    [{ RODIZIO_CONFIG: '/nonexistent/rodizio.json' }, /RODIZIO_CONFIG: cannot read/],
  ];
  for (const [env, message] of bad) {
    it(`names the variable for ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  }

  it('validates the RODIZIO_CONFIG file and names the bad key', () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ projects: { web: { channel: 'C1', repo: 'acme/web', answerers: { users: ['U0AAA1'] } } } }),
    );
    expect(loadConfig({ RODIZIO_CONFIG: good }).file.projects.web).toMatchObject({ repo: 'acme/web' });

    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ projects: ');
    expect(() => loadConfig({ RODIZIO_CONFIG: notJson })).toThrow(/RODIZIO_CONFIG: .* is not valid JSON/);

    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ projects: { web: { repo: 'not a repo', chanel: 'C1' } } }));
    expect(() => loadConfig({ RODIZIO_CONFIG: wrong })).toThrow(/projects\.web\.repo: must look like owner\/repo/);
    expect(() => loadConfig({ RODIZIO_CONFIG: wrong })).toThrow(/projects\.web: Unrecognized key: "chanel"/);
  });
});
