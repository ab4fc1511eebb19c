import { z } from 'zod';
import type { FieldIssue } from '../errors.js';

const FieldName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,49}$/,
    'A field name is a letter or "_" followed by up to 49 letters, digits or "_".',
  );

/** One field of a form answer: a small, Slack-renderable subset of JSON Schema. */
export const AnswerField = z
  .strictObject({
    type: z.enum(['string', 'number', 'integer', 'boolean']),
    title: z.string().min(1).max(150).optional(),
    description: z.string().max(150).optional(),
    enum: z.array(z.string().min(1).max(75)).min(1).max(100).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.int().min(0).max(3000).optional(),
    maxLength: z.int().min(1).max(3000).optional(),
    multiline: z.boolean().optional(),
  })
  .refine((f) => f.enum === undefined || f.type === 'string', { message: 'Only string fields may have an enum.' });
export type AnswerField = z.infer<typeof AnswerField>;

/** Fields in one form: with the prompt and its context they stay well inside a modal's 100 blocks. */
const MAX_FIELDS = 20;

/**
 * The shape of a structured answer, written as JSON Schema (`type: object`, `properties`, `required`) so an
 * agent can send what its own model library emits, limited to what a Slack modal can ask for.
 */
export const AnswerSchema = z
  .strictObject({
    $schema: z.string().optional(),
    type: z.literal('object').default('object'),
    title: z.string().max(24).optional(),
    description: z.string().max(2000).optional(),
    properties: z.record(FieldName, AnswerField),
    required: z.array(z.string()).default([]),
    additionalProperties: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    const names = Object.keys(s.properties);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['properties'], message: 'A form needs at least one field.' });
    }
    if (names.length > MAX_FIELDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['properties'],
        message: `A form has at most ${MAX_FIELDS} fields (a Slack modal holds no more); this one has ${names.length}.`,
      });
    }
    for (const [i, name] of s.required.entries()) {
      if (!names.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['required', i], message: `"${name}" is not one of the properties.` });
      }
    }
  });
export type AnswerSchema = z.infer<typeof AnswerSchema>;

export type AnswerValue = Record<string, string | number | boolean>;

const REQUIRED = 'This field is required.';
/** The type error of a field: a missing value is "required", anything else gets `wrong`. */
const typeError = (wrong: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? REQUIRED : wrong),
});
const chars = (n: number) => `${n} character${n === 1 ? '' : 's'}`;

/** "a number from 1 to 20", "a whole number of at least 1", …: what a numeric field takes, for its errors. */
function numberRange(field: AnswerField): string {
  const what = field.type === 'integer' ? 'a whole number' : 'a number';
  const { minimum: min, maximum: max } = field;
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  if (max !== undefined) return `${what} no greater than ${max}`;
  return what;
}

/** The check of one field's value; every message is a sentence a person can act on (shown next to the field). */
function fieldValidator(field: AnswerField): z.ZodType {
  switch (field.type) {
    case 'string': {
      if (field.enum) return z.enum(field.enum as [string, ...string[]], typeError('Choose one of the listed values.'));
      let s = z.string(typeError('Enter text.'));
      const length = (issue: { input?: unknown }) => (typeof issue.input === 'string' ? issue.input.length : 0);
      if (field.minLength !== undefined) {
        const min = field.minLength;
        s = s.min(min, { error: (i) => `Use at least ${chars(min)} (this has ${length(i)}).` });
      }
      if (field.maxLength !== undefined) {
        const max = field.maxLength;
        s = s.max(max, { error: (i) => `Use at most ${chars(max)} (this has ${length(i)}).` });
      }
      return s;
    }
    case 'boolean':
      return z.boolean(typeError('Choose yes or no.'));
    case 'number':
    case 'integer': {
      const range = `Enter ${numberRange(field)}.`;
      let n = field.type === 'integer' ? z.int(typeError(range)) : z.number(typeError(range));
      if (field.minimum !== undefined) n = n.min(field.minimum, range);
      if (field.maximum !== undefined) n = n.max(field.maximum, range);
      return n;
    }
  }
}

/** Validates an already-typed answer (from the API or a parsed form) against the schema. */
export function validateAnswer(
  schema: AnswerSchema,
  value: unknown,
): { ok: true; value: AnswerValue } | { ok: false; issues: FieldIssue[] } {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(schema.properties)) {
    const v = fieldValidator(field);
    shape[name] = schema.required.includes(name) ? v : v.optional();
  }
  const result = z.strictObject(shape).safeParse(value);
  if (result.success) return { ok: true, value: result.data as AnswerValue };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  };
}

/**
 * Turns the strings a form delivers into typed values (numbers, booleans), dropping empty optional fields,
 * then validates. Errors are keyed by field name so a modal can show them inline.
 */
export function parseFormAnswer(
  schema: AnswerSchema,
  raw: Record<string, string | undefined>,
): { ok: true; value: AnswerValue } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const typed: AnswerValue = {};
  for (const [name, field] of Object.entries(schema.properties)) {
    const text = raw[name]?.trim();
    if (text === undefined || text === '') {
      if (schema.required.includes(name)) errors[name] = REQUIRED;
      continue;
    }
    let value: string | number | boolean;
    if (field.type === 'number' || field.type === 'integer') {
      value = Number(text);
      if (!Number.isFinite(value)) {
        errors[name] = `Enter ${numberRange(field)}.`;
        continue;
      }
    } else if (field.type === 'boolean') {
      if (text !== 'true' && text !== 'false') {
        errors[name] = 'Choose yes or no.';
        continue;
      }
      value = text === 'true';
    } else {
      value = raw[name] as string;
    }
    const checked = fieldValidator(field).safeParse(value);
    if (checked.success) typed[name] = value;
    else errors[name] = humanize(checked.error.issues[0]?.message ?? 'Invalid value.');
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: typed };
}

/** A fallback for a message written elsewhere (zod's own): capitalised and ended like a sentence. */
function humanize(message: string): string {
  const m = message.replace(/^Invalid input: /, '');
  const sentence = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
