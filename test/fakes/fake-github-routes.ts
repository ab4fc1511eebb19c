/** The REST endpoints the fake GitHub serves, each answering with GitHub's status codes and JSON shapes. */
import { type GitHubAuth, JWT_ERRORS, parseAuthorization } from './fake-github-auth.js';
import { type Answer, DOCS, fail, invalid } from './fake-github-http.js';
import type { GitHubState, Repo } from './fake-github-state.js';
import type { FakeGitHubChange, GitHubUser } from './fake-github-types.js';

const LABELS_DOCS = `${DOCS}/issues/labels`;
const COMMENTS_DOCS = `${DOCS}/issues/comments`;
const TOKEN_DOCS = `${DOCS}/apps/apps#create-an-installation-access-token-for-an-app`;
const MAX_LABEL_NAME = 50;
const MAX_COMMENT_BODY = 65_536;

export interface RouteDeps {
  state: GitHubState;
  auth: GitHubAuth;
  installations?: number[];
  onChange: (change: FakeGitHubChange) => void;
}

interface Request {
  params: string[];
  body: unknown;
  user: GitHubUser;
  /** The endpoint's documentation, for the `documentation_url` of its errors. */
  docs: string;
}

type Issue = NonNullable<ReturnType<GitHubState['issue']>>;

interface Route {
  method: string;
  path: RegExp;
  docs: string;
  handle(req: Request): Answer;
}

const SEGMENT = '([^/]+)';
const repoPath = (rest: string) => new RegExp(`^/repos/${SEGMENT}/${SEGMENT}${rest}$`);

/** Answers a request (path without the prefix, still percent-encoded) the way GitHub would. */
export function createDispatcher(
  deps: RouteDeps,
): (method: string, path: string, body: unknown, authorization?: string) => Answer {
  const { state, auth } = deps;

  const withRepo = (fn: (repo: Repo, req: Request) => Answer) => (req: Request) => {
    const [owner = '', name = ''] = req.params;
    const repo = state.repo(`${owner}/${name}`);
    return repo ? fn(repo, req) : fail(404, 'Not Found', req.docs);
  };
  const withIssue = (fn: (repo: Repo, issue: Issue, req: Request) => Answer) =>
    withRepo((repo, req) => {
      const n = Number(req.params[2]);
      const issue = Number.isSafeInteger(n) && n > 0 ? state.issue(repo, n) : undefined;
      return issue ? fn(repo, issue, req) : fail(404, 'Not Found', req.docs);
    });

  const routes: Route[] = [
    {
      method: 'GET',
      path: repoPath(''),
      docs: `${DOCS}/repos/repos#get-a-repository`,
      handle: withRepo((repo) => {
        const [owner = '', name = ''] = repo.fullName.split('/');
        const body = { id: repo.id, name, full_name: repo.fullName, owner: { login: owner }, private: false };
        return { status: 200, body };
      }),
    },
    {
      method: 'GET',
      path: repoPath('/labels'),
      docs: `${LABELS_DOCS}#list-labels-for-a-repository`,
      handle: withRepo((repo) => ({ status: 200, body: state.repoLabels(repo) })),
    },
    {
      method: 'POST',
      path: repoPath('/labels'),
      docs: `${LABELS_DOCS}#create-a-label`,
      handle: withRepo((repo, { body, docs }) => {
        if (!isRecord(body) || typeof body.name !== 'string' || body.name === '') {
          return invalid(docs, { resource: 'Label', code: 'missing_field', field: 'name' });
        }
        const { name, color, description } = body;
        if (name.length > MAX_LABEL_NAME) return invalid(docs, { resource: 'Label', code: 'invalid', field: 'name' });
        if (color !== undefined && (typeof color !== 'string' || !/^[0-9a-f]{6}$/i.test(color))) {
          return invalid(docs, { resource: 'Label', code: 'invalid', field: 'color' });
        }
        if (state.label(repo, name)) {
          return invalid(docs, { resource: 'Label', code: 'already_exists', field: 'name' });
        }
        const label = state.createLabel(repo, {
          name,
          ...(typeof color === 'string' ? { color } : {}),
          description: typeof description === 'string' ? description : null,
        });
        return { status: 201, body: state.renderLabel(repo, label) };
      }),
    },
    {
      method: 'GET',
      path: repoPath(`/labels/${SEGMENT}`),
      docs: `${LABELS_DOCS}#get-a-label`,
      handle: withRepo((repo, { params, docs }) => {
        const label = state.label(repo, params[2] ?? '');
        return label ? { status: 200, body: state.renderLabel(repo, label) } : fail(404, 'Not Found', docs);
      }),
    },
    {
      method: 'GET',
      path: repoPath('/issues/(\\d+)'),
      docs: `${DOCS}/issues/issues#get-an-issue`,
      handle: withIssue((repo, issue) => ({ status: 200, body: state.renderIssue(repo, issue) })),
    },
    {
      method: 'GET',
      path: repoPath('/issues/(\\d+)/labels'),
      docs: `${LABELS_DOCS}#list-labels-for-an-issue`,
      handle: withIssue((repo, issue) => ({ status: 200, body: state.issueLabels(repo, issue) })),
    },
    {
      method: 'POST',
      path: repoPath('/issues/(\\d+)/labels'),
      docs: `${LABELS_DOCS}#add-labels-to-an-issue`,
      handle: withIssue((repo, issue, { body, docs }) => {
        const names = labelNames(body);
        if (!names) return invalid(docs, { resource: 'Label', code: 'invalid', field: 'labels' });
        return { status: 200, body: state.addLabels(repo, issue, names) };
      }),
    },
    {
      method: 'DELETE',
      path: repoPath(`/issues/(\\d+)/labels/${SEGMENT}`),
      docs: `${LABELS_DOCS}#remove-a-label-from-an-issue`,
      handle: withIssue((repo, issue, { params, docs }) => {
        const left = state.removeLabel(repo, issue, params[3] ?? '');
        return left ? { status: 200, body: left } : fail(404, 'Label does not exist', docs);
      }),
    },
    {
      method: 'GET',
      path: repoPath('/issues/(\\d+)/comments'),
      docs: `${COMMENTS_DOCS}#list-issue-comments`,
      handle: withIssue((repo, issue) => ({ status: 200, body: state.renderComments(repo, issue) })),
    },
    {
      method: 'POST',
      path: repoPath('/issues/(\\d+)/comments'),
      docs: `${COMMENTS_DOCS}#create-an-issue-comment`,
      handle: withIssue((repo, issue, { body, user, docs }) => {
        const text = isRecord(body) ? body.body : undefined;
        if (typeof text !== 'string') return fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.', docs);
        if (text.length > MAX_COMMENT_BODY) {
          const message = `body is too long (maximum is ${MAX_COMMENT_BODY} characters)`;
          return invalid(docs, { resource: 'IssueComment', code: 'custom', field: 'body', message });
        }
        return { status: 201, body: state.addComment(repo, issue, text, user) };
      }),
    },
  ];

  function accessToken(installation: string, authorization: string | undefined): Answer {
    const credential = parseAuthorization(authorization);
    if (credential?.scheme !== 'bearer') return fail(401, JWT_ERRORS.undecodable, TOKEN_DOCS);
    const problem = auth.checkJwt(credential.value);
    if (problem) return fail(401, problem, TOKEN_DOCS);
    const id = Number(installation);
    if (!Number.isSafeInteger(id) || (deps.installations && !deps.installations.includes(id))) {
      return fail(404, 'Not Found', TOKEN_DOCS);
    }
    const issued = auth.issue(id);
    deps.onChange({ kind: 'token', installationId: id });
    const expires_at = new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const permissions = { issues: 'write', metadata: 'read' };
    return { status: 201, body: { token: issued.token, expires_at, permissions, repository_selection: 'all' } };
  }

  return (method, path, body, authorization) => {
    const app = path.match(/^\/app\/installations\/([^/]+)\/access_tokens$/);
    if (app?.[1] !== undefined) {
      return method === 'POST' ? accessToken(app[1], authorization) : fail(404, 'Not Found');
    }
    for (const route of routes) {
      const m = path.match(route.path);
      if (!m || route.method !== method) continue;
      const credential = parseAuthorization(authorization);
      if (!credential) return fail(401, 'Requires authentication', route.docs);
      const user = auth.whoIs(credential.value);
      if (!user) return fail(401, 'Bad credentials', DOCS);
      const params = decode(m.slice(1));
      if (!params) return fail(404, 'Not Found', route.docs);
      return route.handle({ params, body, user, docs: route.docs });
    }
    return fail(404, 'Not Found');
  };
}

/** The label names of an add-labels body: `{labels:[…]}`, a bare array, or a single name; strings or `{name}`. */
function labelNames(body: unknown): string[] | undefined {
  const list = isRecord(body) ? body.labels : body;
  const items = typeof list === 'string' ? [list] : list;
  if (!Array.isArray(items)) return undefined;
  const names = items.map((item: unknown) =>
    typeof item === 'string' ? item : isRecord(item) && typeof item.name === 'string' ? item.name : undefined,
  );
  return names.every((n): n is string => typeof n === 'string' && n !== '' && n.length <= MAX_LABEL_NAME)
    ? names
    : undefined;
}

/** Path parameters decoded, or undefined if one is not valid percent-encoding. */
function decode(params: (string | undefined)[]): string[] | undefined {
  try {
    return params.map((p) => decodeURIComponent(p ?? ''));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
