/**
 * A fake forge as a real HTTP server on loopback that speaks either GitHub's REST dialect (labels by name, at
 * the root) or Gitea/Forgejo's (`/api/v1`, labels by numeric id, paginated label lists, `token` auth). It keeps
 * repositories' labels, issues' labels and comments, users' profiles and collaborator permissions in memory,
 * records every request with its Authorization header, and can answer with injected statuses or be down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../src/sandbox/fake-slack-http.js';

export type ForgeDialect = 'github' | 'gitea';

export interface FakeForgeLabel {
  id: number;
  name: string;
  color: string;
  description: string;
}

export interface FakeForgeComment {
  id: number;
  body: string;
  user: string;
}

export interface FakeForgeCall {
  method: string;
  /** Without the dialect's prefix and the query string. */
  path: string;
  query: string;
  body: unknown;
  status: number;
  /** The Authorization header exactly as sent. */
  authorization: string | undefined;
}

export interface FakeForgeOptions {
  dialect: ForgeDialect;
  /** The only token accepted (`token <t>` or `Bearer <t>`); any if unset. */
  token?: string;
  /** Login → profile text (GitHub bio, Gitea description). Users not listed answer 404. */
  users?: Record<string, string>;
  /** `owner/repo` → login → permission as the dialect spells it (`write`, `maintain`, `owner`…). */
  permissions?: Record<string, Record<string, string>>;
  /** Labels per `owner/repo` that exist from the start. */
  labels?: Record<string, { name: string; color?: string }[]>;
  /** Who the token acts as (comment author). */
  login?: string;
}

interface Repo {
  labels: FakeForgeLabel[];
  issues: Map<number, { labels: number[]; comments: FakeForgeComment[] }>;
}

type Answer = { status: number; body?: unknown };

export interface FakeForge {
  readonly dialect: ForgeDialect;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The API base: the origin (github) or origin + `/api/v1` (gitea). */
  readonly url: string;
  /** The origin alone (what an operator may give as FORGE_API_URL for Gitea). */
  readonly origin: string;
  readonly calls: readonly FakeForgeCall[];
  callsTo(method: string, path: RegExp): FakeForgeCall[];
  labels(repo: string): FakeForgeLabel[];
  issueLabels(repo: string, issue: number): string[];
  comments(repo: string, issue: number): FakeForgeComment[];
  setProfile(login: string, text: string): void;
  setPermission(repo: string, login: string, permission: string): void;
  /** The next `times` requests matching answer `status` (with a `message` body). */
  inject(match: { method?: string; path?: RegExp }, status: number, times?: number): void;
  down(): void;
  up(): void;
}

const PREFIX: Record<ForgeDialect, string> = { github: '', gitea: '/api/v1' };

export function createFakeForge(options: FakeForgeOptions): FakeForge {
  const { dialect } = options;
  const prefix = PREFIX[dialect];
  const repos = new Map<string, Repo>();
  const users = new Map(Object.entries(options.users ?? {}));
  const permissions = new Map(
    Object.entries(options.permissions ?? {}).map(([r, p]) => [r, new Map(Object.entries(p))]),
  );
  const calls: FakeForgeCall[] = [];
  const faults: { method?: string; path?: RegExp; status: number; times: number }[] = [];
  let nextId = 100;
  let server: Server | undefined;
  let origin = '';
  let isDown = false;

  const repoOf = (name: string): Repo => {
    let r = repos.get(name);
    if (!r) {
      r = { labels: [], issues: new Map() };
      repos.set(name, r);
    }
    return r;
  };
  const issueOf = (r: Repo, n: number) => {
    let i = r.issues.get(n);
    if (!i) {
      i = { labels: [], comments: [] };
      r.issues.set(n, i);
    }
    return i;
  };
  for (const [repo, labels] of Object.entries(options.labels ?? {})) {
    for (const l of labels)
      repoOf(repo).labels.push({ id: nextId++, name: l.name, color: l.color ?? 'ededed', description: '' });
  }

  const error = (status: number, message: string): Answer => ({ status, body: { message } });
  const renderLabel = (l: FakeForgeLabel) =>
    dialect === 'github' ? { id: l.id, name: l.name, color: l.color, description: l.description, default: false } : l;
  const labelsOn = (r: Repo, ids: number[]) =>
    ids.map((id) => r.labels.find((l) => l.id === id)).filter((l): l is FakeForgeLabel => l !== undefined);

  function permissionAnswer(repo: string, login: string): Answer {
    if (!users.has(login)) return error(404, 'user does not exist');
    const permission = permissions.get(repo)?.get(login) ?? 'read';
    if (dialect === 'gitea') return { status: 200, body: { permission, role_name: permission, user: { login } } };
    // GitHub: the legacy `permission` folds maintain into write and triage into read; `role_name` is exact.
    const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
    return { status: 200, body: { permission: legacy, role_name: permission, user: { login } } };
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown): Answer {
    let m = /^\/users\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const login = decodeURIComponent(m[1] as string);
      const text = users.get(login);
      if (text === undefined) return error(404, 'Not Found');
      return { status: 200, body: dialect === 'github' ? { login, bio: text } : { login, description: text } };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    if (!m) return error(404, 'Not Found');
    const repoName = `${decodeURIComponent(m[1] as string)}/${decodeURIComponent(m[2] as string)}`;
    const rest = m[3] as string;
    const r = repoOf(repoName);
    const b = (body ?? {}) as Record<string, unknown>;

    m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest);
    if (m && method === 'GET') return permissionAnswer(repoName, decodeURIComponent(m[1] as string));

    if (rest === '/labels' && method === 'GET') {
      const page = Number(query.get('page') ?? '1');
      const limit = Math.min(Number(query.get('limit') ?? query.get('per_page') ?? '30'), 50);
      return { status: 200, body: r.labels.slice((page - 1) * limit, page * limit).map(renderLabel) };
    }
    if (rest === '/labels' && method === 'POST') {
      const name = typeof b.name === 'string' ? b.name : '';
      const color = typeof b.color === 'string' ? b.color : '';
      const colorOk = dialect === 'gitea' ? /^#[0-9a-f]{6}$/i.test(color) : /^[0-9a-f]{6}$/i.test(color);
      if (!name || !colorOk) return error(422, `invalid label: name "${name}", color "${color}"`);
      if (dialect === 'github' && r.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
        return error(422, 'Validation Failed: already_exists');
      }
      const label = { id: nextId++, name, color: color.replace(/^#/, ''), description: String(b.description ?? '') };
      r.labels.push(label);
      return { status: 201, body: renderLabel(label) };
    }
    m = /^\/labels\/([^/]+)$/.exec(rest);
    if (m && method === 'GET' && dialect === 'github') {
      const name = decodeURIComponent(m[1] as string).toLowerCase();
      const label = r.labels.find((l) => l.name.toLowerCase() === name);
      return label ? { status: 200, body: renderLabel(label) } : error(404, 'Not Found');
    }

    m = /^\/issues\/(\d+)(\/.*)$/.exec(rest);
    if (!m) return error(404, 'Not Found');
    const issue = issueOf(r, Number(m[1]));
    const sub = m[2] as string;
    if (sub === '/comments' && method === 'POST') {
      if (typeof b.body !== 'string' || b.body === '') return error(422, 'body is required');
      const comment = { id: nextId++, body: b.body, user: options.login ?? 'rodizio-bot' };
      issue.comments.push(comment);
      return { status: 201, body: { id: comment.id, body: comment.body, user: { login: comment.user } } };
    }
    if (sub === '/labels' && method === 'POST') {
      const wanted = Array.isArray(b.labels) ? b.labels : [];
      for (const w of wanted) {
        const label =
          dialect === 'gitea'
            ? typeof w === 'number'
              ? r.labels.find((l) => l.id === w)
              : undefined
            : r.labels.find((l) => typeof w === 'string' && l.name.toLowerCase() === w.toLowerCase());
        if (!label) return error(422, `label ${JSON.stringify(w)} does not exist`);
        if (!issue.labels.includes(label.id)) issue.labels.push(label.id);
      }
      return { status: 200, body: labelsOn(r, issue.labels).map(renderLabel) };
    }
    m = /^\/labels\/([^/]+)$/.exec(sub);
    if (m && method === 'DELETE') {
      const key = decodeURIComponent(m[1] as string);
      const label =
        dialect === 'gitea'
          ? r.labels.find((l) => String(l.id) === key)
          : r.labels.find((l) => l.name.toLowerCase() === key.toLowerCase());
      if (dialect === 'gitea') {
        if (!label) return error(422, 'label does not exist');
        issue.labels = issue.labels.filter((id) => id !== label.id);
        return { status: 204 };
      }
      if (!label || !issue.labels.includes(label.id)) return error(404, 'Label does not exist');
      issue.labels = issue.labels.filter((id) => id !== label.id);
      return { status: 200, body: labelsOn(r, issue.labels).map(renderLabel) };
    }
    return error(404, 'Not Found');
  }

  function authorized(header: string | undefined): boolean {
    const m = /^(token|Bearer)\s+(\S+)$/i.exec(header ?? '');
    if (!m) return false;
    return options.token === undefined || m[2] === options.token;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const inPrefix = prefix === '' || url.pathname.startsWith(`${prefix}/`);
    const path = inPrefix ? url.pathname.slice(prefix.length) : url.pathname;
    const fault = faults.find((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    let answer: Answer;
    if (isDown) answer = error(503, 'Service Unavailable');
    else if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      answer = error(fault.status, `injected ${fault.status}`);
    } else if (!inPrefix) answer = error(404, 'Not Found');
    else if (!authorized(req.headers.authorization)) answer = error(401, 'Bad credentials');
    else answer = route(method, path, url.searchParams, body);
    calls.push({
      method,
      path,
      query: url.search,
      body,
      status: answer.status,
      authorization: req.headers.authorization,
    });
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  return {
    dialect,
    async start() {
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500).end(String(err));
        });
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    get url() {
      if (!origin) throw new Error('the fake forge is not started');
      return `${origin}${prefix}`;
    },
    get origin() {
      return origin;
    },
    calls,
    callsTo: (method, path) => calls.filter((c) => c.method === method.toUpperCase() && path.test(c.path)),
    labels: (repo) => repos.get(repo)?.labels ?? [],
    issueLabels(repo, n) {
      const r = repos.get(repo);
      const issue = r?.issues.get(n);
      return r && issue ? labelsOn(r, issue.labels).map((l) => l.name) : [];
    },
    comments: (repo, n) => repos.get(repo)?.issues.get(n)?.comments ?? [],
    setProfile: (login, text) => users.set(login, text),
    setPermission(repo, login, permission) {
      let p = permissions.get(repo);
      if (!p) {
        p = new Map();
        permissions.set(repo, p);
      }
      p.set(login, permission);
    },
    inject(match, status, times = 1) {
      faults.push({ ...match, status, times });
    },
    down() {
      isDown = true;
    },
    up() {
      isDown = false;
    },
  };
}
