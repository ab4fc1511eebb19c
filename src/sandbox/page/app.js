// @ts-check
/**
 * The sandbox page: a fake Slack workspace as a person sees it. Fetches `/sandbox/api/state`, re-renders on
 * every `changed` server event, and turns clicks, submissions and typed messages into `/sandbox/api/*` calls.
 *
 * All HTML comes from `blockkit.js` / `mrkdwn.js` (which escape everything) or is built here with `escapeHtml`.
 */
import { plainText, renderMessageBody, renderModal, renderText } from './blockkit.js';
import { escapeHtml } from './mrkdwn.js';

/**
 * @typedef {Record<string, any>} Json
 * @typedef {{ id: string, name: string, real_name?: string }} Person
 * @typedef {{ ts: string, text?: string, blocks?: Json[], user?: string, bot_id?: string, username?: string,
 *   subtype?: string, thread_ts?: string, reply_count?: number, edited?: unknown, replies?: Message[] }} Message
 * @typedef {{ channel: string, user: string, ts: string, text?: string, blocks?: Json[], thread_ts?: string }} Ephemeral
 * @typedef {{ me: Person, users: Person[], bot: { id: string, name: string }, channels: { id: string, name: string }[],
 *   usergroups: { id: string, name: string }[], messages: Record<string, Message[]>, ephemerals: Ephemeral[],
 *   modal: { id: string, view: Json } | null, home: Json | null,
 *   connect: { apiUrl: string, token: string | null, runner: string | null, note?: string | null } }} State
 * @typedef {import('./blockkit.js').RenderContext} RenderContext
 */

const HOME = 'home';
const PEOPLE = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'];
const STORAGE_KEY = 'rodizio-sandbox';
const REQUIRED = 'Please complete this required field.';

const ui = {
  user: 'U0ALICE',
  channel: 'C0AGENTS',
  /** @type {string | null} the open thread's parent ts */
  thread: null,
  /** @type {State | null} */
  state: null,
  /** The user whose Home was requested during the current visit to Home. */
  homeVisit: '',
  /** @type {{ key: string, id: string, errors: Record<string, string>, formError: string }} */
  modal: { key: '', id: '', errors: {}, formError: '' },
  /** @type {Set<string>} ephemerals already on screen (see revealNewEphemerals); a new user starts afresh */
  seenEphemerals: new Set(),
  /** @type {string | null} */
  ephemeralsOf: null,
};

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

/** @type {WeakMap<Element, string>} */
const lastHtml = new WeakMap();

/**
 * Replaces an element's content only when it changed, so open selects and focus survive unrelated updates.
 * @param {Element} el
 * @param {string} html
 * @returns {boolean} whether it changed
 */
function setHtml(el, html) {
  if (lastHtml.get(el) === html) return false;
  lastHtml.set(el, html);
  el.innerHTML = html;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Location: user and channel live in the URL hash and in localStorage.

function readLocation() {
  /** @type {{ user?: string, channel?: string }} */
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
  } catch {
    saved = {};
  }
  const hash = new URLSearchParams(location.hash.slice(1));
  ui.user = hash.get('user') || saved.user || 'U0ALICE';
  ui.channel = hash.get('channel') || saved.channel || 'C0AGENTS';
  ui.thread = hash.get('thread') || null;
}

function saveLocation() {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ user: ui.user, channel: ui.channel }));
  const hash = new URLSearchParams({ user: ui.user, channel: ui.channel });
  if (ui.thread) hash.set('thread', ui.thread);
  const next = `#${hash}`;
  if (location.hash !== next) history.replaceState(null, '', next);
}

// ---------------------------------------------------------------------------------------------------------------
// Server calls.

/**
 * Posts to the sandbox API; shows the error and resolves to null when the call fails.
 * @param {string} path
 * @param {Json} body
 * @returns {Promise<Json | null>}
 */
async function post(path, body) {
  try {
    const res = await fetch(`/sandbox/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    /** @type {Json} */
    const json = await res.json().catch(() => ({}));
    const error = typeof json.error === 'string' ? json.error : json.error?.message;
    if (!res.ok || (json.ok === false && !json.errors)) toast(error ?? `${path} failed (HTTP ${res.status})`);
    scheduleRefresh();
    return res.ok ? json : { ...json, ok: false, error: error ?? `HTTP ${res.status}` };
  } catch (err) {
    toast(`${path} failed: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

let refreshing = false;
let refreshAgain = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;

function scheduleRefresh(delay = 50) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    const user = ui.user;
    const res = await fetch(`/sandbox/api/state?user=${encodeURIComponent(user)}`);
    if (!res.ok) throw new Error(`state: HTTP ${res.status}`);
    /** @type {State} */
    const state = await res.json();
    if (user === ui.user) {
      ui.state = state;
      render();
    } else {
      refreshAgain = true;
    }
    $('offline').hidden = true;
  } catch {
    $('offline').hidden = false;
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      scheduleRefresh(0);
    }
  }
}

/** Live updates: one `changed` event per change; polling every 2 s while the stream is down. */
function listen() {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let poll;
  const startPolling = () => {
    poll ??= setInterval(refresh, 2000);
  };
  if (typeof EventSource === 'undefined') return startPolling();
  const events = new EventSource('/sandbox/events');
  events.onmessage = () => scheduleRefresh();
  events.onopen = () => {
    clearInterval(poll);
    poll = undefined;
    scheduleRefresh();
  };
  events.onerror = startPolling;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

/**
 * @param {State} state
 * @returns {RenderContext}
 */
function contextOf(state) {
  /** @type {Record<string, string>} */
  const users = Object.fromEntries(state.users.map((u) => [u.id, u.name]));
  users[state.bot.id] = state.bot.name;
  return {
    users,
    channels: Object.fromEntries(state.channels.map((c) => [c.id, c.name])),
    usergroups: Object.fromEntries(state.usergroups.map((g) => [g.id, g.name])),
  };
}

/**
 * Slack's ts ("seconds.micros") in order; the strings are too precise for a float.
 * @param {string} a
 * @param {string} b
 */
function compareTs(a, b) {
  const [as = '0', am = ''] = a.split('.');
  const [bs = '0', bm = ''] = b.split('.');
  return Number(as) - Number(bs) || am.padEnd(6, '0').localeCompare(bm.padEnd(6, '0'));
}

/**
 * @param {string} ts
 * @param {Intl.DateTimeFormatOptions} options
 */
function formatTs(ts, options) {
  return new Intl.DateTimeFormat(undefined, options).format(Number(ts.split('.')[0]) * 1000).replace(/\u202f/g, ' ');
}

/** @param {string} id */
function personName(id) {
  const state = ui.state;
  if (!state) return id;
  if (id === state.bot.id) return state.bot.name;
  return state.users.find((u) => u.id === id)?.name ?? id;
}

/**
 * @param {string} seed
 * @returns {number} one of six avatar colours
 */
function colourOf(seed) {
  let h = 0;
  for (const ch of seed) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 997;
  return h % 6;
}

/**
 * The avatar, name line and body shared by messages and ephemerals.
 * @param {{ ts: string, user?: string, bot_id?: string, username?: string, text?: string, blocks?: Json[] }} m
 * @param {RenderContext} ctx
 * @param {string} [extra] HTML after the name line (already safe)
 * @param {string} [after] HTML after the body (already safe)
 */
function messageInner(m, ctx, extra = '', after = '') {
  const bot = Boolean(m.bot_id) || !m.user;
  const name = bot ? m.username || ui.state?.bot.name || 'rodizio' : personName(m.user ?? '');
  const badge = bot ? '<span class="app-badge">APP</span>' : '';
  const avatar = bot
    ? '<div class="avatar avatar-bot" aria-hidden="true">r</div>'
    : `<div class="avatar avatar-${colourOf(name)}" aria-hidden="true">${escapeHtml(name.slice(0, 1).toUpperCase())}</div>`;
  const when = formatTs(m.ts, { hour: 'numeric', minute: '2-digit' });
  const full = formatTs(m.ts, { dateStyle: 'full', timeStyle: 'medium' });
  return (
    `${avatar}<div class="msg-main"><div class="msg-head"><span class="msg-author">${escapeHtml(name)}</span>${badge}` +
    `<time class="msg-time" title="${escapeHtml(full)}">${escapeHtml(when)}</time></div>${extra}` +
    `${renderMessageBody(m, ctx)}${after}</div>`
  );
}

/**
 * @param {Message} m
 * @param {string} channel
 * @param {RenderContext} ctx
 * @param {boolean} inThread
 */
function renderMessage(m, channel, ctx, inThread) {
  const bot = Boolean(m.bot_id);
  const broadcast = m.subtype === 'thread_broadcast' && m.thread_ts && m.thread_ts !== m.ts;
  let extra = '';
  if (broadcast && !inThread) {
    extra = `<div class="msg-note">replied to a thread: <button type="button" class="link" data-thread-ts="${escapeHtml(m.thread_ts)}">${escapeHtml(threadSnippet(channel, m.thread_ts ?? ''))}</button></div>`;
  }
  let after = m.edited && !bot ? '<span class="msg-edited">(edited)</span>' : '';
  if (broadcast && inThread) after += `<div class="msg-note">Also sent to the channel</div>`;
  const count = m.replies?.length || m.reply_count || 0;
  if (!inThread && count > 0) {
    after += `<button type="button" class="thread-link" data-testid="thread-link" data-thread-ts="${escapeHtml(m.ts)}">${count} ${count === 1 ? 'reply' : 'replies'}</button>`;
  } else if (!inThread && !broadcast) {
    // Slack's hover action: starts a thread on a message that has none yet.
    after += `<button type="button" class="reply-action" data-testid="reply-in-thread" data-thread-ts="${escapeHtml(m.ts)}">Reply in thread</button>`;
  }
  return (
    `<div class="msg" data-testid="message" data-ts="${escapeHtml(m.ts)}" data-channel="${escapeHtml(channel)}">` +
    `${messageInner(m, ctx, extra, after)}</div>`
  );
}

/**
 * @param {Ephemeral} e
 * @param {RenderContext} ctx
 * @param {boolean} inThread
 */
function renderEphemeral(e, ctx, inThread) {
  let extra = '<div class="only-you">Only visible to you</div>';
  if (e.thread_ts && !inThread) {
    extra += `<div class="msg-note">in a thread: <button type="button" class="link" data-thread-ts="${escapeHtml(e.thread_ts)}">open</button></div>`;
  }
  return (
    `<div class="msg ephemeral" data-testid="ephemeral" data-ts="${escapeHtml(e.ts)}" data-channel="${escapeHtml(e.channel)}">` +
    `${messageInner({ ...e, bot_id: 'B', user: undefined }, ctx, extra)}</div>`
  );
}

/**
 * The first words of a thread's parent, for "replied to a thread".
 * @param {string} channel
 * @param {string} ts
 */
function threadSnippet(channel, ts) {
  const parent = ui.state?.messages[channel]?.find((m) => m.ts === ts);
  const text = (parent?.text ?? '')
    .replace(/[*_~`]|<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text || 'view thread';
}

function render() {
  const state = ui.state;
  renderSidebar(state);
  if (!state) return;
  const ctx = contextOf(state);
  const known = ui.channel === HOME || state.channels.some((c) => c.id === ui.channel);
  if (!known) return selectChannel(state.channels[0]?.id ?? 'C0AGENTS');
  renderConnect(state);
  if (ui.channel === HOME) renderHome(state, ctx);
  else renderChannel(state, ctx);
  renderThread(state, ctx);
  revealNewEphemerals(state);
  renderModalLayer(state, ctx);
}

/** @param {Ephemeral} e */
const ephemeralKey = (e) => `${e.channel}|${e.ts}`;

/**
 * Scrolls a newly arrived ephemeral into view, as Slack shows the answer to a click (a refusal, "1 of 2
 * approvals", "already answered") where the person is looking: the list stays where they scrolled to click a
 * card higher up, so without this the reply would land below the fold, unseen. Ephemerals there before the
 * page loaded (or before switching user) are old news and move nothing.
 * @param {State} state
 */
function revealNewEphemerals(state) {
  const seen = ui.seenEphemerals;
  const fresh = state.ephemerals.filter((e) => !seen.has(ephemeralKey(e)));
  for (const e of fresh) seen.add(ephemeralKey(e));
  if (ui.ephemeralsOf !== state.me.id) {
    ui.ephemeralsOf = state.me.id;
    return;
  }
  for (const [list, inView] of /** @type {const} */ ([
    ['messages', (/** @type {Ephemeral} */ e) => ui.channel !== HOME && e.channel === ui.channel],
    [
      'thread-messages',
      (/** @type {Ephemeral} */ e) => e.channel === ui.channel && !!ui.thread && e.thread_ts === ui.thread,
    ],
  ])) {
    const newest = fresh
      .filter(inView)
      .sort((a, b) => compareTs(a.ts, b.ts))
      .at(-1);
    if (!newest) continue;
    const el = $(list).querySelector(`[data-testid="ephemeral"][data-ts="${CSS.escape(newest.ts)}"]`);
    if (!(el instanceof HTMLElement)) continue;
    el.scrollIntoView({ block: 'nearest' });
    el.classList.add('just-arrived');
  }
}

/** @param {State | null} state */
function renderSidebar(state) {
  const people = state?.users ?? PEOPLE.map((id) => ({ id, name: id.slice(2).toLowerCase(), real_name: '' }));
  const switcher = /** @type {HTMLSelectElement} */ ($('user-switcher'));
  setHtml(
    switcher,
    people
      .map(
        (u) =>
          `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)}${u.real_name && u.real_name !== u.name ? ` (${escapeHtml(u.real_name)})` : ''}</option>`,
      )
      .join(''),
  );
  if (switcher.value !== ui.user) switcher.value = ui.user;
  const channels = state?.channels ?? [];
  setHtml(
    $('channel-list'),
    channels
      .map(
        (c) =>
          `<li><a href="#channel=${escapeHtml(c.id)}" class="nav-item${c.id === ui.channel ? ' active' : ''}" data-testid="channel-${escapeHtml(c.id)}" data-channel-link="${escapeHtml(c.id)}"><span class="hash">#</span> ${escapeHtml(c.name)}</a></li>`,
      )
      .join(''),
  );
  $('nav-home').classList.toggle('active', ui.channel === HOME);
}

/**
 * @param {State} state
 * @param {RenderContext} ctx
 */
function renderChannel(state, ctx) {
  const channel = state.channels.find((c) => c.id === ui.channel);
  const name = channel?.name ?? ui.channel;
  $('home').hidden = true;
  $('messages').hidden = false;
  $('composer-form').hidden = false;
  setHtml($('channel-title'), `<span class="hash">#</span> ${escapeHtml(name)}`);
  const composer = /** @type {HTMLTextAreaElement} */ ($('composer'));
  composer.placeholder = `Message #${name}`;

  /** @type {{ ts: string, html: string }[]} */
  const items = (state.messages[ui.channel] ?? []).map((m) => ({
    ts: m.ts,
    html: renderMessage(m, ui.channel, ctx, false),
  }));
  for (const e of state.ephemerals) {
    if (e.channel === ui.channel) items.push({ ts: e.ts, html: renderEphemeral(e, ctx, false) });
  }
  items.sort((a, b) => compareTs(a.ts, b.ts));
  const empty = `<div class="channel-start"><h2>#${escapeHtml(name)}</h2><p>This is the very beginning of <b>#${escapeHtml(name)}</b>.</p></div>`;
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const switched = list.dataset.channel !== ui.channel;
  list.dataset.channel = ui.channel;
  if (setHtml(list, empty + items.map((i) => i.html).join('')) && (atBottom || switched)) {
    list.scrollTop = list.scrollHeight;
  }
}

/**
 * @param {State} state
 * @param {RenderContext} ctx
 */
function renderHome(state, ctx) {
  $('messages').hidden = true;
  $('composer-form').hidden = true;
  const home = $('home');
  home.hidden = false;
  setHtml(
    $('channel-title'),
    `<span class="app-icon">r</span> ${escapeHtml(state.bot.name)} <span class="tab">Home</span>`,
  );
  if (ui.homeVisit !== ui.user) {
    ui.homeVisit = ui.user;
    void post('home', { user: ui.user });
  }
  const blocks = state.home?.blocks;
  setHtml(
    home,
    Array.isArray(blocks) ? renderMessageBody({ blocks }, ctx) : '<p class="muted">Opening the Home tab…</p>',
  );
}

/**
 * @param {State} state
 * @param {RenderContext} ctx
 */
function renderThread(state, ctx) {
  const pane = $('thread-pane');
  const parent = ui.thread && ui.channel !== HOME ? state.messages[ui.channel]?.find((m) => m.ts === ui.thread) : null;
  if (!parent || !ui.thread) {
    pane.hidden = true;
    if (ui.thread && ui.state) {
      ui.thread = null;
      saveLocation();
    }
    return;
  }
  pane.hidden = false;
  const threadTs = ui.thread;
  const channel = state.channels.find((c) => c.id === ui.channel);
  setHtml($('thread-channel'), `# ${escapeHtml(channel?.name ?? ui.channel)}`);
  const replies = (parent.replies ?? []).filter((r) => r.ts !== parent.ts);
  /** @type {{ ts: string, html: string }[]} */
  const items = replies.map((r) => ({ ts: r.ts, html: renderMessage(r, ui.channel, ctx, true) }));
  for (const e of state.ephemerals) {
    if (e.channel === ui.channel && e.thread_ts === threadTs) {
      items.push({ ts: e.ts, html: renderEphemeral(e, ctx, true) });
    }
  }
  items.sort((a, b) => compareTs(a.ts, b.ts));
  const count = replies.length;
  const divider = `<div class="thread-count">${count} ${count === 1 ? 'reply' : 'replies'}</div>`;
  const list = $('thread-messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const switched = list.dataset.thread !== threadTs;
  list.dataset.thread = threadTs;
  const html = renderMessage(parent, ui.channel, ctx, true) + divider + items.map((i) => i.html).join('');
  if (setHtml(list, html) && (atBottom || switched)) list.scrollTop = list.scrollHeight;
}

/** @param {State} state */
function renderConnect(state) {
  const { apiUrl, token, runner, note } = state.connect;
  const body = JSON.stringify({ reason: 'approval_needed', prompt: 'Deploy?', options: ['Deploy', 'Hold'] });
  const curl = `curl -X POST ${apiUrl}/v1/tokens -H "Authorization: Bearer ${token ?? '<api token>'}" -H 'content-type: application/json' -d '${body}'`;
  const snippet = (/** @type {string} */ text) =>
    `<div class="snippet"><pre>${escapeHtml(text)}</pre><button type="button" class="copy" data-copy="${escapeHtml(text)}">Copy</button></div>`;
  setHtml(
    $('connect-body'),
    `<p>API: <code>${escapeHtml(apiUrl)}</code>${runner ? ` · runner <code>${escapeHtml(runner)}</code>` : ''}</p>` +
      (note ? `<p class="note">${escapeHtml(note)}</p>` : '') +
      `<p>Ask the humans something:</p>${snippet(curl)}<p>Or run the demo agent:</p>${snippet('npm run demo')}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The modal.

/**
 * What each input holds, by block id: text as typed (null when empty), the option value of a select or radio
 * group (null when none), and the values of the ticked checkboxes.
 * @param {Element} form
 * @returns {Record<string, string | string[] | null>}
 */
function collectValues(form) {
  /** @type {Record<string, string | string[] | null>} */
  const values = {};
  for (const el of form.querySelectorAll('[data-block-id]')) {
    const id = /** @type {HTMLElement} */ (el).dataset.blockId ?? '';
    const type = /** @type {HTMLElement} */ (el).dataset.inputType;
    if (type === 'checkboxes') {
      values[id] = [...el.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
    } else if (type === 'radio_buttons') {
      values[id] = /** @type {HTMLInputElement | null} */ (el.querySelector('input:checked'))?.value ?? null;
    } else {
      const value = /** @type {HTMLInputElement} */ (el).value;
      values[id] = value === '' ? null : value;
    }
  }
  return values;
}

/**
 * Puts values collected before a re-render back (Slack keeps what was typed when a view is updated).
 * @param {Element} form
 * @param {Record<string, string | string[] | null>} values
 */
function restoreValues(form, values) {
  for (const el of form.querySelectorAll('[data-block-id]')) {
    const value = values[/** @type {HTMLElement} */ (el).dataset.blockId ?? ''];
    if (value === undefined) continue;
    const ticks = el.querySelectorAll('input[type=radio], input[type=checkbox]');
    if (ticks.length > 0) {
      const chosen = new Set(Array.isArray(value) ? value : [value]);
      for (const t of ticks) {
        const input = /** @type {HTMLInputElement} */ (t);
        input.checked = chosen.has(input.value);
      }
    } else {
      /** @type {HTMLInputElement} */ (el).value = typeof value === 'string' ? value : '';
    }
  }
}

/**
 * Client-side checks Slack makes before the app sees a submission: required fields and the browser's own
 * validity (numbers, ranges, lengths, e-mail and URL formats).
 * @param {Element} form
 * @param {Record<string, string | string[] | null>} values
 * @returns {Record<string, string>}
 */
function checkValues(form, values) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const block of form.querySelectorAll('.bk-input')) {
    const id = /** @type {HTMLElement} */ (block).dataset.inputBlock ?? '';
    const value = values[id];
    const control = block.querySelector('input[data-block-id], textarea[data-block-id]');
    if (block.hasAttribute('data-required') && (value === null || (Array.isArray(value) && value.length === 0))) {
      errors[id] = REQUIRED;
    } else if (control && !(/** @type {HTMLInputElement} */ (control).checkValidity())) {
      errors[id] = /** @type {HTMLInputElement} */ (control).validationMessage || 'Please check this field.';
    }
  }
  return errors;
}

/**
 * @param {State} state
 * @param {RenderContext} ctx
 */
function renderModalLayer(state, ctx) {
  const root = $('modal-root');
  const modal = state.modal;
  if (!modal) {
    ui.modal = { key: '', id: '', errors: {}, formError: '' };
    setHtml(root, '');
    return;
  }
  const key = JSON.stringify(modal);
  if (key === ui.modal.key && root.firstChild) return;
  const sameView = modal.id === ui.modal.id;
  if (!sameView || key !== ui.modal.key) ui.modal = { ...ui.modal, errors: {}, formError: '' };
  ui.modal.key = key;
  ui.modal.id = modal.id;
  drawModal(modal, ctx, sameView);
}

/**
 * Draws the modal, keeping what was typed when it is the same view.
 * @param {{ id: string, view: Json }} modal
 * @param {RenderContext} ctx
 * @param {boolean} keepValues
 */
function drawModal(modal, ctx, keepValues) {
  const root = $('modal-root');
  const old = root.querySelector('form');
  const values = keepValues && old ? collectValues(old) : {};
  const blockIds = new Set(
    (Array.isArray(modal.view.blocks) ? modal.view.blocks : []).map((/** @type {Json} */ b) => b?.block_id),
  );
  const stray = Object.entries(ui.modal.errors).filter(([id]) => !blockIds.has(id));
  const formError = [ui.modal.formError, ...stray.map(([, message]) => message)].filter(Boolean).join(' ');
  const html = renderModal(modal.view, { ...ctx, errors: ui.modal.errors, viewId: modal.id, formError });
  setHtml(root, `<div class="overlay">${html}</div>`);
  const form = root.querySelector('form');
  if (!form) return;
  restoreValues(form, values);
  if (!keepValues) /** @type {HTMLElement | null} */ (form.querySelector('[data-block-id]'))?.focus();
}

/** @param {HTMLFormElement} form */
async function submitModal(form) {
  const viewId = form.dataset.viewId ?? '';
  const values = collectValues(form);
  const local = checkValues(form, values);
  const modal = ui.state?.modal;
  if (!modal) return;
  if (Object.keys(local).length > 0) {
    ui.modal.errors = local;
    ui.modal.formError = '';
    drawModal(modal, contextOfState(), true);
    return;
  }
  const button = /** @type {HTMLButtonElement | null} */ (form.querySelector('[data-testid="modal-submit"]'));
  if (button) button.disabled = true;
  const res = await post('submit', { user: ui.user, viewId, values });
  if (button) button.disabled = false;
  if (ui.modal.id !== viewId) return;
  if (res?.errors && typeof res.errors === 'object') {
    ui.modal.errors = res.errors;
    ui.modal.formError = '';
  } else if (!res || res.ok === false) {
    ui.modal.errors = {};
    ui.modal.formError = typeof res?.error === 'string' ? res.error : 'The app did not accept the submission.';
  } else {
    ui.modal.errors = {};
    ui.modal.formError = '';
    return;
  }
  if (ui.state?.modal?.id === viewId) drawModal(ui.state.modal, contextOfState(), true);
}

function contextOfState() {
  return ui.state ? contextOf(ui.state) : {};
}

async function closeModal() {
  const viewId = ui.modal.id;
  if (!viewId) return;
  setHtml($('modal-root'), '');
  ui.modal = { key: '', id: '', errors: {}, formError: '' };
  await post('close', { user: ui.user, viewId });
}

// ---------------------------------------------------------------------------------------------------------------
// Confirm dialogs and toasts.

/**
 * Shows a Block Kit confirm object; resolves to true for its confirm button, false for deny (or Escape).
 * @param {Json} confirm
 * @returns {Promise<boolean>}
 */
function askConfirm(confirm) {
  const root = $('confirm-root');
  const ctx = contextOfState();
  const style = confirm.style === 'danger' ? 'bk-danger' : 'bk-primary';
  root.innerHTML =
    '<div class="overlay overlay-top"><div class="confirm" data-testid="confirm-dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">' +
    `<h2 id="confirm-title">${escapeHtml(plainText(confirm.title) || 'Are you sure?')}</h2>` +
    `<div class="confirm-text">${renderText(confirm.text, ctx)}</div><footer>` +
    `<button type="button" class="bk-button" data-testid="confirm-no">${escapeHtml(plainText(confirm.deny) || 'Cancel')}</button>` +
    `<button type="button" class="bk-button ${style}" data-testid="confirm-yes">${escapeHtml(plainText(confirm.confirm) || 'Yes')}</button>` +
    '</footer></div></div>';
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const done = (answer) => {
      root.innerHTML = '';
      document.removeEventListener('keydown', onKey, true);
      resolve(answer);
    };
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      done(false);
    };
    document.addEventListener('keydown', onKey, true);
    root.querySelector('[data-testid="confirm-yes"]')?.addEventListener('click', () => done(true));
    root.querySelector('[data-testid="confirm-no"]')?.addEventListener('click', () => done(false));
    /** @type {HTMLElement | null} */ (root.querySelector('[data-testid="confirm-no"]'))?.focus();
  });
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/** @param {string} message */
function toast(message) {
  const el = $('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 5000);
}

// ---------------------------------------------------------------------------------------------------------------
// Acting.

/**
 * A button click or a select choice: asks the confirm dialog first, then tells the server where it happened.
 * @param {HTMLElement} el
 * @param {string | undefined} value
 */
async function act(el, value) {
  const actionId = el.dataset.actionId ?? '';
  const select = el instanceof HTMLSelectElement ? el : null;
  if (el.closest('[data-testid="modal"]') || el.closest('[data-testid="ephemeral"]')) {
    toast('The sandbox does not send actions from modals or ephemeral messages.');
    return;
  }
  if (el.dataset.confirm) {
    /** @type {Json} */
    let confirm = {};
    try {
      confirm = JSON.parse(el.dataset.confirm);
    } catch {
      confirm = {};
    }
    if (!(await askConfirm(confirm))) {
      if (select) select.value = '';
      return;
    }
  }
  const url = el.dataset.url;
  if (url) window.open(url, '_blank', 'noopener,noreferrer');
  const home = el.closest('[data-testid="home"]');
  const message = el.closest('[data-testid="message"]');
  const withValue = value === undefined || value === '' ? {} : { value };
  if (home) {
    await post('click', { user: ui.user, source: 'home', actionId, ...withValue });
  } else if (message instanceof HTMLElement) {
    const { channel = '', ts = '' } = message.dataset;
    await post('click', { user: ui.user, source: 'message', channel, ts, actionId, ...withValue });
  }
}

/**
 * A line from a composer: `/rodizio …` is the slash command, anything else a message.
 * @param {HTMLTextAreaElement} input
 * @param {string | null} threadTs
 */
async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text || ui.channel === HOME) return;
  const channel = ui.channel;
  /** @type {Json | null} */
  let res;
  if (/^\/rodizio(\s|$)/.test(text)) {
    input.value = '';
    res = await post('command', { user: ui.user, channel, text: text.replace(/^\/rodizio\s*/, '') });
  } else if (/^\/[a-z]/i.test(text)) {
    toast(`${text.split(/\s/)[0]} is not a valid command here. Try /rodizio help.`);
    return;
  } else {
    input.value = '';
    res = await post('message', { user: ui.user, channel, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  }
  if ((!res || res.ok === false) && input.value === '') input.value = text;
}

/** @param {string} channel */
function selectChannel(channel) {
  if (channel !== ui.channel) ui.thread = null;
  ui.channel = channel;
  if (channel !== HOME) ui.homeVisit = '';
  saveLocation();
  render();
}

/** @param {string} user */
function selectUser(user) {
  ui.user = user;
  ui.homeVisit = '';
  ui.modal = { key: '', id: '', errors: {}, formError: '' };
  setHtml($('modal-root'), '');
  saveLocation();
  ui.state = ui.state ? { ...ui.state, ephemerals: [], modal: null, home: null } : null;
  ui.seenEphemerals = new Set();
  ui.ephemeralsOf = null;
  render();
  scheduleRefresh(0);
}

function bindEvents() {
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    const link = target.closest('[data-channel-link]');
    if (link instanceof HTMLElement) {
      e.preventDefault();
      selectChannel(link.dataset.channelLink ?? '');
      return;
    }
    const thread = target.closest('[data-thread-ts]');
    if (thread instanceof HTMLElement) {
      ui.thread = thread.dataset.threadTs ?? null;
      saveLocation();
      render();
      /** @type {HTMLElement} */ ($('thread-composer')).focus();
      return;
    }
    const copy = target.closest('[data-copy]');
    if (copy instanceof HTMLElement) {
      void navigator.clipboard?.writeText(copy.dataset.copy ?? '').then(() => toast('Copied.'));
      return;
    }
    if (target.closest('[data-testid="modal-close"], [data-testid="modal-x"]')) {
      void closeModal();
      return;
    }
    const button = target.closest('button[data-action-id]');
    if (button instanceof HTMLButtonElement && !button.disabled) {
      button.disabled = true;
      void act(button, button.dataset.value).finally(() => {
        button.disabled = false;
      });
    }
  });

  document.addEventListener('change', (e) => {
    const select = e.target;
    if (select instanceof HTMLSelectElement && select.dataset.actionId && !select.dataset.blockId && select.value) {
      void act(select, select.value);
    }
  });

  document.addEventListener('submit', (e) => {
    const form = e.target;
    e.preventDefault();
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.testid === 'modal') void submitModal(form);
    else if (form.id === 'composer-form') void send(/** @type {HTMLTextAreaElement} */ ($('composer')), null);
    else if (form.id === 'thread-form') void send(/** @type {HTMLTextAreaElement} */ ($('thread-composer')), ui.thread);
  });

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && ui.modal.id && !$('confirm-root').firstChild) void closeModal();
  });

  for (const [id, thread] of /** @type {const} */ ([
    ['composer', false],
    ['thread-composer', true],
  ])) {
    const input = /** @type {HTMLTextAreaElement} */ ($(id));
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
      e.preventDefault();
      void send(input, thread ? ui.thread : null);
    });
  }

  $('nav-home').addEventListener('click', (e) => {
    e.preventDefault();
    selectChannel(HOME);
  });
  $('thread-close').addEventListener('click', () => {
    ui.thread = null;
    saveLocation();
    render();
  });
  $('user-switcher').addEventListener('change', (e) => {
    selectUser(/** @type {HTMLSelectElement} */ (e.target).value);
  });
  window.addEventListener('hashchange', () => {
    const before = ui.user;
    readLocation();
    if (ui.user !== before) selectUser(ui.user);
    else render();
  });
}

readLocation();
saveLocation();
bindEvents();
render();
listen();
void refresh();
