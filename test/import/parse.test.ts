import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { parseImport } from '../../src/import/parse.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('parseImport', () => {
  it("reads the Python purgatory's saved file, token ids from its keys, in file order", () => {
    const parsed = parseImport(fixture('saved-purgatory.json'));
    expect(parsed.format).toBe('saved_purgatory');
    expect(parsed.entries.map((e) => e.at)).toEqual([
      'tokens["sem-06fb5561"]',
      'tokens["sem-962f21bd"]',
      'tokens["sem-98194b2b"]',
      'tokens["sem-e441b9c0"]',
      'tokens["sem-a9241baf"]',
      'tokens["sem-fe656101"]',
    ]);
  });

  it('reads JSON lines with their line numbers, blank lines and CRLF included; a bad line is refused alone', () => {
    const lines = fixture('tokens.jsonl').trim().split('\n');
    const text = [lines[0], '', '{"id": "sem-x", broken', lines[1]].join('\r\n');
    const parsed = parseImport(text);
    expect(parsed.format).toBe('json_lines');
    expect(parsed.entries.map((e) => [e.kind, e.line])).toEqual([
      ['token', 1],
      ['refused', 3],
      ['token', 4],
    ]);
    expect(parsed.entries[1]).toMatchObject({
      at: 'line 3',
      message: expect.stringMatching(/^line 3 is not valid JSON/),
    });
  });

  it('reads a JSON array, and one token on one line as JSON lines', () => {
    expect(parseImport('[{"id":"a"},{"id":"b"}]').format).toBe('json_array');
    expect(parseImport('  {"id": "a", "reason": "approval_needed"}\n').format).toBe('json_lines');
  });

  it("takes the caller's word for the format (the API's Content-Type)", () => {
    expect(parseImport('{"id":"a"}', 'lines').format).toBe('json_lines');
    expect(refusal(() => parseImport('{"id":"a"}', 'json')).message).toContain('application/x-ndjson');
  });

  it('refuses a file that is none of the three shapes, with what was expected', () => {
    expect(refusal(() => parseImport('')).message).toMatch(/^the file is empty/);
    expect(refusal(() => parseImport('not json at all')).message).toMatch(/^the file is not valid JSON/);
    expect(refusal(() => parseImport('{\n  "tokens": {\n')).message).toMatch(/^the file is not valid JSON/);
    expect(refusal(() => parseImport('42')).message).toMatch(/^the file is a number: expected a saved purgatory/);
    expect(refusal(() => parseImport('{\n"id": "a",\n"reason": "approval_needed"\n}')).message).toMatch(
      /without "tokens" and "version"/,
    );
    const wrong = refusal(() => parseImport('{"tokens": [], "version": 1}'));
    expect(wrong.issues).toEqual([{ path: 'tokens', message: 'must be an object mapping token ids to tokens' }]);
  });

  it('refuses a saved file of another version', () => {
    const err = refusal(() => parseImport(JSON.stringify({ tokens: {}, version: 2 })));
    expect(err.message).toBe('the file is not a saved purgatory file rodizio can read');
    expect(err.issues).toEqual([{ path: 'version', message: 'version 2 is not supported: rodizio reads version 1' }]);
  });

  it('refuses a saved token whose id differs from its key; one without an id takes its key', () => {
    const parsed = parseImport(JSON.stringify({ tokens: { 'sem-a': { id: 'sem-b' }, 'sem-c': {} }, version: 1 }));
    expect(parsed.entries[0]).toMatchObject({ kind: 'refused', id: 'sem-a', issues: [{ path: 'id' }] });
    expect(parsed.entries[1]).toMatchObject({ kind: 'token', raw: { id: 'sem-c' } });
  });

  it('allows a saved token the same nesting as one posted to the API', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    // A token body may nest 64 levels: the token object plus 63 in original_event.
    const ok = `{"tokens": {"a": {"id": "a", "original_event": ${deep(63)}}}, "version": 1}`;
    expect(parseImport(ok).entries).toHaveLength(1);
    expect(refusal(() => parseImport(ok.replace(deep(63), deep(64)))).message).toMatch(/nests arrays and objects/);
  });
});
