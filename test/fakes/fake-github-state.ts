/** The fake GitHub's memory: repositories, their labels, issues and comments, rendered as the REST API shows them. */
import type { Clock } from '../../src/clock.js';
import type {
  FakeGitHubChange,
  FakeIssueSeed,
  FakeLabelSeed,
  GitHubComment,
  GitHubIssue,
  GitHubLabel,
  GitHubUser,
} from './fake-github-types.js';

/** The color GitHub gives a label created without one (also when adding an unknown label to an issue). */
export const DEFAULT_LABEL_COLOR = 'ededed';

type StoredLabel = Omit<GitHubLabel, 'url'>;

interface StoredComment {
  id: number;
  body: string;
  user: GitHubUser;
  at: number;
}

interface StoredIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  /** Lower-cased label names, in the order added. */
  labels: string[];
  comments: StoredComment[];
  createdAt: number;
  updatedAt: number;
}

/** A repository; the key of everything is its lower-cased `owner/name`, as GitHub's names are case-insensitive. */
export interface Repo {
  id: number;
  fullName: string;
  labels: Map<string, StoredLabel>;
  issues: Map<number, StoredIssue>;
}

export interface GitHubStateOptions {
  clock: Clock;
  /** The API base (prefix included) once the server listens. */
  apiUrl: () => string;
  htmlUrl: string;
  repos?: string[];
  autoCreateIssues: boolean;
  onChange: (change: FakeGitHubChange) => void;
}

const OPENER: GitHubUser = { login: 'octocat', id: 583231, node_id: 'MDQ6VXNlcjU4MzIzMQ==', type: 'User' };

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeId = (kind: string, id: number) => Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');
const key = (name: string) => name.toLowerCase();

export class GitHubState {
  readonly #o: GitHubStateOptions;
  readonly #repos = new Map<string, Repo>();
  #nextId = 1_000_001;

  constructor(options: GitHubStateOptions) {
    this.#o = options;
    for (const name of options.repos ?? []) this.#create(name);
  }

  /** The repository, created on first use unless the fake was given a fixed list. */
  repo(fullName: string, create = this.#o.repos === undefined): Repo | undefined {
    const found = this.#repos.get(key(fullName));
    if (found || !create) return found;
    return this.#create(fullName);
  }

  /** Like `repo`, but a seed for a repository outside the fixed list is a mistake in the test. */
  seedRepo(fullName: string): Repo {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`fake GitHub: ${fullName} is not in options.repos`);
    return repo;
  }

  label(repo: Repo, name: string): StoredLabel | undefined {
    return repo.labels.get(key(name));
  }

  createLabel(repo: Repo, seed: FakeLabelSeed): StoredLabel {
    const id = this.#id();
    const label: StoredLabel = {
      id,
      node_id: nodeId('Label', id),
      name: seed.name,
      color: (seed.color ?? DEFAULT_LABEL_COLOR).toLowerCase(),
      description: seed.description ?? null,
      default: seed.default ?? false,
    };
    repo.labels.set(key(seed.name), label);
    this.#o.onChange({ kind: 'label', repo: repo.fullName, name: seed.name });
    return label;
  }

  /** The issue, created on first reference if the fake allows it. */
  issue(repo: Repo, number: number, create = this.#o.autoCreateIssues): StoredIssue | undefined {
    const found = repo.issues.get(number);
    if (found || !create) return found;
    return this.addIssue(repo, { number });
  }

  addIssue(repo: Repo, seed: FakeIssueSeed): StoredIssue {
    const now = this.#o.clock.now();
    const issue: StoredIssue = {
      id: this.#id(),
      number: seed.number,
      title: seed.title ?? `Issue ${seed.number}`,
      body: seed.body ?? null,
      state: seed.state ?? 'open',
      labels: [],
      comments: [],
      createdAt: now,
      updatedAt: now,
    };
    repo.issues.set(seed.number, issue);
    if (seed.labels?.length) this.addLabels(repo, issue, seed.labels);
    return issue;
  }

  /** Adds labels to an issue (creating unknown ones in the repository, as GitHub does); the issue's labels after. */
  addLabels(repo: Repo, issue: StoredIssue, names: string[]): GitHubLabel[] {
    for (const name of names) {
      if (!this.label(repo, name)) this.createLabel(repo, { name });
      if (!issue.labels.includes(key(name))) issue.labels.push(key(name));
    }
    this.#touch(repo, issue);
    return this.issueLabels(repo, issue);
  }

  /** Removes a label from an issue: the labels left, or undefined if the issue did not have it. */
  removeLabel(repo: Repo, issue: StoredIssue, name: string): GitHubLabel[] | undefined {
    const at = issue.labels.indexOf(key(name));
    if (at < 0) return undefined;
    issue.labels.splice(at, 1);
    this.#touch(repo, issue);
    return this.issueLabels(repo, issue);
  }

  addComment(repo: Repo, issue: StoredIssue, body: string, user: GitHubUser): GitHubComment {
    const comment: StoredComment = { id: this.#id(), body, user, at: this.#o.clock.now() };
    issue.comments.push(comment);
    issue.updatedAt = comment.at;
    this.#o.onChange({ kind: 'comment', repo: repo.fullName, number: issue.number, id: comment.id });
    return this.renderComment(repo, issue, comment);
  }

  /** The labels of a repository, sorted by name as GitHub lists them. */
  repoLabels(repo: Repo): GitHubLabel[] {
    return sortByName([...repo.labels.values()].map((l) => this.renderLabel(repo, l)));
  }

  issueLabels(repo: Repo, issue: StoredIssue): GitHubLabel[] {
    const labels = issue.labels.flatMap((name) => {
      const label = repo.labels.get(name);
      return label ? [this.renderLabel(repo, label)] : [];
    });
    return sortByName(labels);
  }

  renderLabel(repo: Repo, label: StoredLabel): GitHubLabel {
    return { ...label, url: `${this.#repoUrl(repo)}/labels/${encodeURIComponent(label.name)}` };
  }

  renderIssue(repo: Repo, issue: StoredIssue): GitHubIssue {
    const url = `${this.#repoUrl(repo)}/issues/${issue.number}`;
    return {
      id: issue.id,
      node_id: nodeId('Issue', issue.id),
      url,
      repository_url: this.#repoUrl(repo),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      html_url: `${this.#o.htmlUrl}/${repo.fullName}/issues/${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      locked: false,
      user: { ...OPENER },
      labels: this.issueLabels(repo, issue),
      assignee: null,
      assignees: [],
      comments: issue.comments.length,
      created_at: iso(issue.createdAt),
      updated_at: iso(issue.updatedAt),
      closed_at: issue.state === 'closed' ? iso(issue.updatedAt) : null,
      author_association: 'OWNER',
    };
  }

  renderComments(repo: Repo, issue: StoredIssue): GitHubComment[] {
    return issue.comments.map((c) => this.renderComment(repo, issue, c));
  }

  renderComment(repo: Repo, issue: StoredIssue, c: StoredComment): GitHubComment {
    return {
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      url: `${this.#repoUrl(repo)}/issues/comments/${c.id}`,
      html_url: `${this.#o.htmlUrl}/${repo.fullName}/issues/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${this.#repoUrl(repo)}/issues/${issue.number}`,
      body: c.body,
      user: { ...c.user },
      created_at: iso(c.at),
      updated_at: iso(c.at),
      author_association: c.user.type === 'Bot' ? 'NONE' : 'OWNER',
    };
  }

  #create(fullName: string): Repo {
    const repo: Repo = { id: this.#id(), fullName, labels: new Map(), issues: new Map() };
    this.#repos.set(key(fullName), repo);
    return repo;
  }

  #touch(repo: Repo, issue: StoredIssue): void {
    issue.updatedAt = this.#o.clock.now();
    this.#o.onChange({ kind: 'issue', repo: repo.fullName, number: issue.number });
  }

  #repoUrl(repo: Repo): string {
    return `${this.#o.apiUrl()}/repos/${repo.fullName}`;
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId += 1;
    return id;
  }
}

function sortByName(labels: GitHubLabel[]): GitHubLabel[] {
  return labels.sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
}
