/** The fake Slack's surfaces: trigger ids, modal stacks and Home tabs, and what Slack does with a submission's ack. */
import { randomBytes } from 'node:crypto';
import { isObj, type Json, normalizeBlocks } from './fake-slack-blocks.js';

/** A modal or Home view: `view` is the object Slack returns (with `id`, `hash`, `state`…). */
export interface FakeView {
  id: string;
  kind: 'modal' | 'home';
  user: string | undefined;
  open: boolean;
  view: Json;
}

/** The view store's clock, identity and change callback. */
export interface ViewStoreOptions {
  now: () => number;
  teamId: string;
  appId: string;
  botId: string;
  onChange: (view: FakeView) => void;
}

const TRIGGER_TTL_MS = 3000;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Views by id, the triggers that open them, and each user's Home. */
export class FakeViewStore {
  readonly byId = new Map<string, FakeView>();
  readonly #o: ViewStoreOptions;
  readonly #triggers = new Map<string, { issuedAt: number; user: string | undefined; used: boolean }>();
  readonly #homes = new Map<string, string>();
  #counter = 0;

  constructor(options: ViewStoreOptions) {
    this.#o = options;
  }

  /** A trigger id, as Slack hands out with every interaction; valid once, for 3 seconds of the fake's clock. */
  issueTriggerId(user?: string): string {
    this.#counter += 1;
    const team = this.#o.teamId.replace(/\D/g, '') || '0';
    const id = `${this.#counter + 100000}.${team}.${randomBytes(16).toString('hex')}`;
    this.#triggers.set(id, { issuedAt: this.#o.now(), user, used: false });
    return id;
  }

  /** Uses up a trigger: the user it was issued for, or the Slack error. */
  consumeTrigger(id: unknown): { user: string | undefined } | { error: string } {
    const t = typeof id === 'string' ? this.#triggers.get(id) : undefined;
    if (!t || t.used) return { error: 'invalid_trigger_id' };
    if (this.#o.now() - t.issuedAt > TRIGGER_TTL_MS) return { error: 'expired_trigger_id' };
    t.used = true;
    return { user: t.user };
  }

  #render(id: string, input: Json, links: { root: string | null; previous: string | null }): Json {
    const view: Json = {
      id,
      team_id: this.#o.teamId,
      type: input.type,
      // Seeded by the view id, so an update keeps generated block_ids and with them the inputs' state.
      blocks: normalizeBlocks(input.blocks ?? [], id) ?? [],
      private_metadata: str(input.private_metadata),
      callback_id: str(input.callback_id),
      state: { values: {} },
      hash: `${Math.floor(this.#o.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      clear_on_close: input.clear_on_close === true,
      notify_on_close: input.notify_on_close === true,
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: links.previous,
      root_view_id: links.root,
      app_id: this.#o.appId,
      external_id: str(input.external_id),
      app_installed_team_id: this.#o.teamId,
      bot_id: this.#o.botId,
    };
    if (input.title !== undefined) view.title = input.title;
    return view;
  }

  #changed(v: FakeView): FakeView {
    this.#o.onChange(v);
    return v;
  }

  #add(kind: FakeView['kind'], user: string | undefined, input: Json, previous: FakeView | undefined): FakeView {
    this.#counter += 1;
    const id = `V${this.#counter.toString(36).toUpperCase().padStart(10, '0')}`;
    const root = kind === 'home' ? null : previous ? (previous.view.root_view_id as string | null) : id;
    const view = this.#render(id, input, { root, previous: previous?.id ?? null });
    const record: FakeView = { id, kind, user, open: true, view };
    this.byId.set(id, record);
    return this.#changed(record);
  }

  /** Puts back saved views (a restart of the sandbox); later ids continue after the highest one. */
  restore(records: FakeView[]): void {
    for (const record of records) {
      this.byId.set(record.id, record);
      if (record.kind === 'home' && record.user) this.#homes.set(record.user, record.id);
      const n = Number.parseInt(record.id.slice(1), 36);
      if (Number.isSafeInteger(n)) this.#counter = Math.max(this.#counter, n);
    }
  }

  /** The user's open modals, bottom first (views.push stacks up to three). */
  modalStack(user: string | undefined): FakeView[] {
    return [...this.byId.values()].filter((v) => v.kind === 'modal' && v.open && v.user === user);
  }

  /** Opens a modal; `push` stacks it on the user's current one instead of replacing the stack. */
  openModal(user: string | undefined, input: Json, push = false): FakeView {
    const stack = this.modalStack(user);
    if (!push) for (const v of stack) this.close(v);
    return this.#add('modal', user, input, push ? stack.at(-1) : undefined);
  }

  /** Replaces a view's content, keeping its id and stack links; a new hash, as Slack gives. */
  replace(record: FakeView, input: Json): FakeView {
    const links = {
      root: record.view.root_view_id as string | null,
      previous: record.view.previous_view_id as string | null,
    };
    record.view = this.#render(record.id, input, links);
    return this.#changed(record);
  }

  close(record: FakeView): void {
    record.open = false;
    this.#changed(record);
  }

  find(viewId: unknown, externalId: unknown): FakeView | undefined {
    if (typeof viewId === 'string' && viewId !== '') return this.byId.get(viewId);
    if (typeof externalId !== 'string' || externalId === '') return undefined;
    return [...this.byId.values()].find((v) => v.view.external_id === externalId);
  }

  /** Publishes a user's Home: the first publish creates the view, later ones replace it under the same id. */
  publishHome(user: string, input: Json): FakeView {
    const existing = this.#homes.get(user);
    const record = existing ? this.byId.get(existing) : undefined;
    if (record) return this.replace(record, input);
    const created = this.#add('home', user, input, undefined);
    this.#homes.set(user, created.id);
    return created;
  }

  homeView(user: string): Json | undefined {
    const id = this.#homes.get(user);
    return id ? this.byId.get(id)?.view : undefined;
  }

  /**
   * What Slack does with a view_submission's ack: an empty ack closes the view, `clear` the whole stack, `update`
   * and `push` change it, `errors` keeps it open. Returns Slack's complaints about a view in the ack.
   */
  applyAck(viewId: string, ack: unknown, validate: (view: unknown) => string[]): string[] {
    const record = this.byId.get(viewId);
    if (!record) return [`no view ${viewId}`];
    const action = isObj(ack) ? ack.response_action : undefined;
    if (action === 'errors') return [];
    if (action === 'clear') {
      for (const v of this.modalStack(record.user)) this.close(v);
      return [];
    }
    if (action === 'update' || action === 'push') {
      const view = isObj(ack) ? ack.view : undefined;
      const problems = validate(view);
      if (!isObj(view)) return problems.length > 0 ? problems : ['view: must be an object'];
      if (problems.length > 0) return problems;
      if (action === 'update') this.replace(record, view);
      else this.openModal(record.user, view, true);
      return [];
    }
    this.close(record);
    return [];
  }
}
