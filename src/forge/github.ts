import type { GitHubClient } from '../github/client.js';
import { BLOCKED_LABEL_STYLE, type Forge, REPO_PERMISSIONS, type RepoPermission } from './forge.js';

const status = (err: unknown) => (err as { status?: number })?.status;

/**
 * GitHub's role name when it is one rodizio ranks (`maintain`, `triage` are finer than the legacy
 * `permission` field), else the legacy field; a custom organisation role falls back to the latter too.
 */
export function githubPermission(data: { permission?: string; role_name?: string }): RepoPermission {
  const known = (v: string | undefined): v is RepoPermission => REPO_PERMISSIONS.includes(v as RepoPermission);
  if (known(data.role_name)) return data.role_name;
  return known(data.permission) ? data.permission : 'none';
}

/** The forge over Octokit: labels by name, GitHub's permission endpoint, bios for link challenges. */
export function createGitHubForge(client: GitHubClient): Forge {
  return {
    kind: 'github',

    async addLabel({ owner, repo, issue }, name) {
      try {
        await client.issues.getLabel({ owner, repo, name });
      } catch (err) {
        if (status(err) !== 404) throw err;
        try {
          await client.issues.createLabel({ owner, repo, name, ...BLOCKED_LABEL_STYLE });
        } catch (createErr) {
          if (status(createErr) !== 422) throw createErr; // already_exists: somebody made it meanwhile
        }
      }
      await client.issues.addLabels({ owner, repo, issue_number: issue, labels: [name] });
    },

    async removeLabel({ owner, repo, issue }, name) {
      try {
        await client.issues.removeLabel({ owner, repo, issue_number: issue, name });
      } catch (err) {
        if (status(err) !== 404) throw err; // 404: already gone
      }
    },

    async comment({ owner, repo, issue }, body) {
      await client.issues.createComment({ owner, repo, issue_number: issue, body });
    },

    async permissionOf({ owner, repo }, login) {
      const { data } = await client.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
      return githubPermission(data);
    },

    async profileText(login) {
      try {
        const { data } = await client.users.getByUsername({ username: login });
        return 'bio' in data ? (data.bio ?? '') : '';
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw err;
      }
    },
  };
}
