import { PermanentJobError } from '../outbox/job-errors.js';

interface GitHubErrorShape {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string } };
}

/** A short description of a GitHub failure for people: "404 Not Found". */
export function describeGitHubError(err: unknown): string {
  const e = err as GitHubErrorShape;
  const message = e?.response?.data?.message ?? e?.message ?? String(err);
  return e?.status ? `${e.status} ${message}` : message;
}

/** True for failures retrying cannot fix: 401, a permission 403, 404, 410, 422. Rate limits and 5xx are retried. */
export function isPermanentGitHubError(err: unknown): boolean {
  const e = err as GitHubErrorShape;
  const status = e?.status;
  if (status === undefined) return false;
  if (status === 403) {
    const remaining = e.response?.headers?.['x-ratelimit-remaining'];
    const text = `${e.response?.data?.message ?? e.message ?? ''}`.toLowerCase();
    return !(remaining === '0' || text.includes('rate limit') || e.response?.headers?.['retry-after']);
  }
  return status === 401 || status === 404 || status === 410 || status === 422;
}

/** Throws a PermanentJobError for permanent failures (after `onPermanent`), and the error itself otherwise. */
export function classifyGitHubError(err: unknown, onPermanent: (description: string) => void): never {
  if (isPermanentGitHubError(err)) {
    const description = describeGitHubError(err);
    onPermanent(description);
    throw new PermanentJobError(`GitHub refused: ${description}`, { cause: err });
  }
  throw err;
}
