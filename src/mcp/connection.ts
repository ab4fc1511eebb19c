import { z } from 'zod';
import { RodizioClient } from '../client/index.js';
import { ConfigError } from '../errors.js';

const AgentEnv = z.object({
  RODIZIO_URL: z.url({ protocol: /^https?$/, error: 'must be the bridge URL, e.g. http://127.0.0.1:3000' }).optional(),
  RODIZIO_TOKEN: z.string({ error: 'is required: the runner secret from RODIZIO_API_TOKENS' }).min(1, 'is empty'),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

/**
 * The client an agent-side command (`rodizio mcp`, `rodizio hook`) uses: the bridge at RODIZIO_URL (default
 * http://127.0.0.1:$PORT, else :3000) with the runner secret RODIZIO_TOKEN. A bad variable is a ConfigError
 * that names it.
 */
export function agentClient(env: NodeJS.ProcessEnv, fetchImpl?: typeof fetch): RodizioClient {
  const parsed = AgentEnv.safeParse({ ...env, RODIZIO_URL: env.RODIZIO_URL || undefined, PORT: env.PORT || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${String(issue?.path[0] ?? 'environment')} ${issue?.message ?? 'is invalid'}`);
  }
  const { RODIZIO_URL, RODIZIO_TOKEN, PORT } = parsed.data;
  return new RodizioClient({
    baseUrl: RODIZIO_URL ?? `http://127.0.0.1:${PORT ?? 3000}`,
    token: RODIZIO_TOKEN,
    fetch: fetchImpl,
  });
}
