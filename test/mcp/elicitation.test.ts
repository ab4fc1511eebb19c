import { describe, expect, it } from 'vitest';
import { agentAnswer, mapElicitationSchema, SchemaMappingError } from '../../src/mcp/elicitation.js';

/** The refusal's lines, or a failure when the schema was accepted. */
function problems(schema: unknown): string[] {
  try {
    mapElicitationSchema(schema);
  } catch (err) {
    if (err instanceof SchemaMappingError) return err.problems;
    throw err;
  }
  throw new Error('the schema was accepted');
}

describe('mapping an MCP elicitation requestedSchema onto the Slack form', () => {
  it('passes a plain elicitation schema through: types, titles, descriptions, min/max, enums', () => {
    const mapped = mapElicitationSchema({
      type: 'object',
      properties: {
        name: { type: 'string', title: 'Name', description: 'Who to greet', minLength: 1, maxLength: 40 },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        size: { type: 'string', enum: ['S', 'M', 'L'] },
        ok: { type: 'boolean' },
      },
      required: ['name', 'size'],
    });
    expect(mapped.schema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', title: 'Name', description: 'Who to greet', minLength: 1, maxLength: 40 },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        size: { type: 'string', enum: ['S', 'M', 'L'] },
        ok: { type: 'boolean' },
      },
      required: ['name', 'size'],
    });
    expect(mapped.defaults).toEqual({});
  });

  it('defaults: said in the description, optional in the form, filled in when left empty', () => {
    const mapped = mapElicitationSchema({
      type: 'object',
      properties: {
        retries: { type: 'integer', description: 'How often to retry', default: 3 },
        note: { type: 'string', description: 'x'.repeat(145), default: 'none' },
      },
      required: ['retries'],
    });
    expect(mapped.schema.properties.retries?.description).toBe('How often to retry (default: 3)');
    // No room for the hint in 150 characters: the description stays as it was.
    expect(mapped.schema.properties.note?.description).toBe('x'.repeat(145));
    expect(mapped.schema.required).toEqual([]);
    expect(agentAnswer(mapped, {})).toEqual({ retries: 3, note: 'none' });
    expect(agentAnswer(mapped, { retries: 5 })).toEqual({ retries: 5, note: 'none' });
    expect(agentAnswer(mapped, 'free text')).toBe('free text');
  });

  it('titled options (oneOf, or the legacy enumNames) show their titles and return their values', () => {
    const mapped = mapElicitationSchema({
      type: 'object',
      properties: {
        env: { type: 'string', enum: ['prd', 'stg'], enumNames: ['Production', 'Staging'], default: 'stg' },
      },
    });
    expect(mapped.schema.properties.env).toEqual({
      type: 'string',
      enum: ['Production', 'Staging'],
      description: '(default: Staging)',
    });
    expect(agentAnswer(mapped, { env: 'Production' })).toEqual({ env: 'prd' });
    expect(agentAnswer(mapped, {})).toEqual({ env: 'stg' });
  });

  it.each([
    [
      { properties: { d: { type: 'string', format: 'date' } } },
      'properties.d.format: a Slack form cannot check "date"',
    ],
    [{ properties: { m: { type: 'array', items: { enum: ['a'] } } } }, 'properties.m: a multi-select'],
    [
      { properties: { o: { type: 'object' } } },
      'properties.o.type: must be "string", "number", "integer" or "boolean"',
    ],
    [
      { properties: { n: { type: 'number', pattern: '^1' } } },
      'properties.n.pattern: not supported for a number field',
    ],
    [{ properties: { b: { type: 'boolean', default: 'yes' } } }, 'properties.b.default: must be a boolean'],
    [{ properties: { i: { type: 'integer', default: 1.5 } } }, 'properties.i.default: must be a whole number'],
    [
      { properties: { s: { type: 'string', enum: ['a'], default: 'b' } } },
      'properties.s.default: "b" is not one of the options',
    ],
    [
      {
        properties: {
          t: {
            type: 'string',
            oneOf: [
              { const: 'a', title: 'A' },
              { const: 'b', title: 'A' },
            ],
          },
        },
      },
      'two options are labelled "A"',
    ],
    [{ properties: { x: 'string' } }, 'properties.x: must be an object'],
    [{ properties: {}, anyOf: [] }, 'answer_schema.anyOf: not part of the elicitation schema subset'],
    [{ type: 'array', properties: {} }, 'answer_schema.type: must be "object"'],
    [
      { properties: { a: { type: 'string' } }, required: ['b'] },
      'answer_schema.required.0: "b" is not one of the properties.',
    ],
    [{ properties: {} }, 'answer_schema.properties: A form needs at least one field.'],
    [
      { properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, { type: 'string' }])) },
      'A form has at most 20 fields',
    ],
  ])('refuses what a Slack form cannot ask, naming the key (%o)', (schema, says) => {
    expect(problems(schema).join('\n')).toContain(says);
  });

  it('lists every problem at once', () => {
    expect(
      problems({
        properties: { a: { type: 'string', format: 'email' }, b: { type: 'array' }, c: { type: 'string' } },
      }),
    ).toHaveLength(2);
  });
});
