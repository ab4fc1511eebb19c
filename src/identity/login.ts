import { z } from 'zod';
import { AnswererPermission } from '../domain/token.js';

/**
 * A forge login as both forges allow them: GitHub's letters, digits and single hyphens (39 at most), Gitea's
 * also `.` and `_` (40 at most); starting with a letter or digit either way. An `@` typed in front is dropped.
 */
export const ForgeLogin = z
  .string()
  .transform((s) => s.trim().replace(/^@/, ''))
  .pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'must be a GitHub or Forgejo/Gitea login such as octocat')
      .refine(
        (s) => !/[._-]$/.test(s) && !/[._-]{2}/.test(s),
        'must be a GitHub or Forgejo/Gitea login such as octocat',
      ),
  );

/** A Slack user id (`U…`, or `W…` on Enterprise Grid). */
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0123ABCD');

/** The access a token (or project) may require of whoever answers. */
export const RequiredPermission = AnswererPermission;
export type RequiredPermission = AnswererPermission;
