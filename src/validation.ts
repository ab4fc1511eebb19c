import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';

/** Zod issues as `{ path: 'options.3', message }`, the shape every 400 carries. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses with a zod schema or throws a ValidationError that names every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`${what} is invalid`, zodIssues(result.error));
  return result.data;
}
