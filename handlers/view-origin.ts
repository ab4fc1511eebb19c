import type { z } from 'zod';

/** The origin a modal carries in its private_metadata (which token it is about), parsed; undefined when it is not. */
export function viewOrigin<T>(privateMetadata: string, schema: z.ZodType<T>): T | undefined {
  let metadata: unknown;
  try {
    metadata = JSON.parse(privateMetadata);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(metadata);
  return parsed.success ? parsed.data : undefined;
}
