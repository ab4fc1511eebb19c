import { z } from 'zod';
import { type AnswerField, AnswerSchema } from '../domain/answer-schema.js';

/**
 * An answer schema as MCP elicitation writes its `requestedSchema` (a flat object of primitive fields). The tool
 * accepts any object here and `mapElicitationSchema` says, field by field, what a Slack form cannot ask for:
 * a refusal that names the key is more use to an agent than a generic "unrecognized key".
 */
export const ElicitationSchemaInput = z
  .looseObject({
    type: z.literal('object').optional(),
    properties: z.record(
      z.string(),
      z.looseObject({
        type: z.string().describe('string, number, integer or boolean'),
        title: z.string().optional(),
        description: z.string().optional(),
        default: z.union([z.string(), z.number(), z.boolean()]).optional(),
        enum: z.array(z.string()).optional(),
        minimum: z.number().optional(),
        maximum: z.number().optional(),
        minLength: z.number().optional(),
        maxLength: z.number().optional(),
      }),
    ),
    required: z.array(z.string()).optional(),
  })
  .describe(
    'The form to answer with, as an MCP elicitation requestedSchema: a flat object of string/number/integer/boolean ' +
      'fields (enums, titles, descriptions, defaults, min/max).',
  );
export type ElicitationSchemaInput = z.infer<typeof ElicitationSchemaInput>;

export type Primitive = string | number | boolean;

/** A rodizio answer schema plus what the form cannot carry itself: defaults, and titled options' real values. */
export interface MappedSchema {
  schema: AnswerSchema;
  /** Filled in for fields the person left empty. */
  defaults: Record<string, Primitive>;
  /** Per field: the title a person picked → the value the agent asked for (`oneOf` const/title, `enumNames`). */
  values: Record<string, Map<string, string>>;
}

/** The schema cannot be shown as a Slack form; `problems` name each key and why. */
export class SchemaMappingError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`answer_schema cannot be asked as a Slack form:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'SchemaMappingError';
    this.problems = problems;
  }
}

const TOP_KEYS = new Set(['$schema', 'type', 'title', 'description', 'properties', 'required', 'additionalProperties']);
const COMMON_KEYS = ['type', 'title', 'description', 'default'];
const FIELD_KEYS: Record<string, Set<string>> = {
  string: new Set([...COMMON_KEYS, 'minLength', 'maxLength', 'enum', 'enumNames', 'oneOf']),
  number: new Set([...COMMON_KEYS, 'minimum', 'maximum']),
  integer: new Set([...COMMON_KEYS, 'minimum', 'maximum']),
  boolean: new Set(COMMON_KEYS),
};
/** Room a description keeps for the "(default: …)" hint: rodizio's fields hold 150 characters. */
const DESCRIPTION_MAX = 150;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Titled options (`oneOf: [{const, title}]`, or the legacy `enumNames`): the titles are what people see. */
function titledOptions(
  name: string,
  field: Record<string, unknown>,
  problems: string[],
): Map<string, string> | undefined {
  let pairs: { value: string; title: string }[] | undefined;
  if (field.oneOf !== undefined) {
    const oneOf = field.oneOf;
    if (!Array.isArray(oneOf) || !oneOf.every((o) => isRecord(o) && typeof o.const === 'string')) {
      problems.push(`properties.${name}.oneOf: each option must be { "const": "<value>", "title": "<label>" }`);
      return undefined;
    }
    pairs = oneOf.map((o) => ({
      value: o.const as string,
      title: typeof o.title === 'string' ? o.title : (o.const as string),
    }));
  } else if (field.enumNames !== undefined) {
    const names = field.enumNames;
    const values = Array.isArray(field.enum) ? field.enum : [];
    if (!Array.isArray(names) || names.length !== values.length || !names.every((n) => typeof n === 'string')) {
      problems.push(`properties.${name}.enumNames: give one label (a string) per enum value`);
      return undefined;
    }
    pairs = values.map((v, i) => ({ value: String(v), title: names[i] as string }));
  }
  if (!pairs) return undefined;
  const titles = new Map<string, string>();
  for (const { value, title } of pairs) {
    if (titles.has(title)) {
      problems.push(`properties.${name}: two options are labelled "${title}"; people could not tell them apart`);
      return undefined;
    }
    titles.set(title, value);
  }
  return titles;
}

/** One elicitation field as a rodizio form field, or undefined (with the reasons in `problems`). */
function mapField(
  name: string,
  raw: unknown,
  problems: string[],
): { field: AnswerField; default?: Primitive; values?: Map<string, string> } | undefined {
  if (!isRecord(raw)) {
    problems.push(`properties.${name}: must be an object such as { "type": "string" }`);
    return undefined;
  }
  const type = raw.type;
  if (type === 'array') {
    problems.push(
      `properties.${name}: a multi-select (type "array") cannot be asked in a Slack form; use a string enum (one choice)`,
    );
    return undefined;
  }
  if (typeof type !== 'string' || !(type in FIELD_KEYS)) {
    problems.push(`properties.${name}.type: must be "string", "number", "integer" or "boolean"`);
    return undefined;
  }
  const allowed = FIELD_KEYS[type] as Set<string>;
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (allowed.has(key)) continue;
    if (key === 'format') {
      problems.push(
        `properties.${name}.format: a Slack form cannot check "${String(raw.format)}"; remove format and say what you expect in the description`,
      );
    } else {
      problems.push(`properties.${name}.${key}: not supported for a ${type} field in a Slack form`);
    }
  }
  const values = type === 'string' ? titledOptions(name, raw, problems) : undefined;
  if (problems.length > before) return undefined;

  const field: Record<string, unknown> = { type };
  for (const key of ['title', 'description', 'minimum', 'maximum', 'minLength', 'maxLength']) {
    if (raw[key] !== undefined) field[key] = raw[key];
  }
  const choices = values ? [...values.keys()] : (raw.enum as unknown[] | undefined);
  if (choices !== undefined) field.enum = choices;

  const fallback = raw.default;
  if (fallback !== undefined) {
    const kind = type === 'integer' ? 'number' : type;
    const wrongType = typeof fallback !== kind || (type === 'integer' && !Number.isInteger(fallback));
    const offered = values ? [...values.values()] : (raw.enum as unknown[] | undefined);
    if (wrongType) {
      problems.push(`properties.${name}.default: must be a ${type === 'integer' ? 'whole number' : kind}`);
      return undefined;
    }
    if (offered && !offered.includes(fallback)) {
      problems.push(`properties.${name}.default: "${String(fallback)}" is not one of the options`);
      return undefined;
    }
    // The form cannot prefill it: say it, and fill it in when the field is left empty.
    const shown = values ? ([...values].find(([, v]) => v === fallback)?.[0] ?? String(fallback)) : String(fallback);
    const hint = `(default: ${shown})`;
    const description = typeof field.description === 'string' ? `${field.description} ${hint}` : hint;
    if (description.length <= DESCRIPTION_MAX) field.description = description;
  }
  return { field: field as AnswerField, default: fallback as Primitive | undefined, values };
}

/**
 * Maps an MCP elicitation `requestedSchema` onto rodizio's answer schema (the modal form). Defaults become
 * optional fields filled in on the way back; titled options show their titles and return their values. Anything
 * a Slack form cannot ask is refused with a SchemaMappingError naming it.
 */
export function mapElicitationSchema(raw: unknown): MappedSchema {
  if (!isRecord(raw)) throw new SchemaMappingError(['answer_schema: must be an object with "properties"']);
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.has(key)) problems.push(`answer_schema.${key}: not part of the elicitation schema subset`);
  }
  if (raw.type !== undefined && raw.type !== 'object') problems.push('answer_schema.type: must be "object"');
  if (!isRecord(raw.properties)) problems.push('answer_schema.properties: must be an object of fields');
  const required = raw.required === undefined ? [] : raw.required;
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
    problems.push('answer_schema.required: must be a list of property names');
  }
  if (problems.length) throw new SchemaMappingError(problems);

  const properties: Record<string, AnswerField> = {};
  const defaults: Record<string, Primitive> = {};
  const values: Record<string, Map<string, string>> = {};
  for (const [name, field] of Object.entries(raw.properties as Record<string, unknown>)) {
    const mapped = mapField(name, field, problems);
    if (!mapped) continue;
    properties[name] = mapped.field;
    if (mapped.default !== undefined) defaults[name] = mapped.default;
    if (mapped.values) values[name] = mapped.values;
  }
  if (problems.length) throw new SchemaMappingError(problems);

  const candidate = {
    ...raw,
    type: 'object',
    properties,
    // A field with a default may be left empty: the default is the answer then.
    required: (required as string[]).filter((name) => defaults[name] === undefined),
  };
  const parsed = AnswerSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new SchemaMappingError(
      parsed.error.issues.map((i) => `answer_schema${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`),
    );
  }
  return { schema: parsed.data, defaults, values };
}

/** The answer the agent gets: titles turned back into the values it asked for, and defaults for empty fields. */
export function agentAnswer(mapped: MappedSchema, answer: unknown): unknown {
  if (!isRecord(answer)) return answer;
  const out: Record<string, unknown> = { ...mapped.defaults, ...answer };
  for (const [name, titles] of Object.entries(mapped.values)) {
    const picked = out[name];
    if (typeof picked === 'string' && titles.has(picked)) out[name] = titles.get(picked);
  }
  return out;
}
