import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, hashTemplate, hashWithLinks } from '../../src/audit/hash.js';

const content = {
  token_id: 'sem-1',
  type: 'resolved',
  at_ms: 1767225600123,
  actor: 'U1',
  data: { via: 'api', human_input: { b: [1, 'ü', null], a: 'x"y' } },
  prev_hash: 'a'.repeat(64),
  token_prev_hash: null,
};

describe('audit hashes', () => {
  it('are sha256 over the domain and the sorted-key JSON, however the data was formatted', () => {
    const sorted =
      '{"actor":"U1","at_ms":1767225600123,"data":{"human_input":{"a":"x\\"y","b":[1,"ü",null]},"via":"api"},' +
      `"prev_hash":"${'a'.repeat(64)}","token_id":"sem-1","token_prev_hash":null,"type":"resolved"}`;
    expect(canonicalJson(content)).toBe(sorted);
    const expected = createHash('sha256').update(`rodizio-audit-v1\n${sorted}`).digest('hex');
    expect(eventHash(content)).toBe(expected);
    const reformatted = JSON.parse(JSON.stringify(content.data, null, 2));
    expect(eventHash({ ...content, data: reformatted })).toBe(expected);
    expect(eventHash({ ...content, data: { ...content.data, via: 'cli' } })).not.toBe(expected);
    expect(eventHash({ ...content, token_prev_hash: 'b'.repeat(64) })).not.toBe(expected);
  });

  it('fill in a template the way the engines do in SQL: before + json(prev) + between + json(token prev) + after', () => {
    const [before, between, after] = hashTemplate(content);
    const sql = `${before}"${'a'.repeat(64)}"${between}null${after}`;
    expect(createHash('sha256').update(sql).digest('hex')).toBe(eventHash(content));
    expect(hashWithLinks([before, between, after], content.prev_hash, null)).toBe(eventHash(content));
  });
});
