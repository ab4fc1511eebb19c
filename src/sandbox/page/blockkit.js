// @ts-check
/**
 * Block Kit → HTML strings, as Slack's client draws them. Pure (no DOM), so it runs in the browser and in Node.
 *
 * Every piece of text goes through `escapeHtml` or `renderMrkdwn`; the result is safe to assign to `innerHTML`.
 * Interactive elements carry what the page needs to act on them: `data-action-id`, `data-value`, `data-url`
 * and `data-confirm` (the confirm object as JSON) on buttons and selects; `data-block-id` and
 * `data-input-type` on the controls of input blocks.
 */
import { escapeHtml, isSafeUrl, renderMrkdwn } from './mrkdwn.js';

/**
 * @typedef {Record<string, any>} Json
 * @typedef {import('./mrkdwn.js').MrkdwnContext & { errors?: Record<string, string> }} RenderContext
 */

/**
 * An attribute when the value is a non-empty string, else nothing.
 * @param {string} name
 * @param {unknown} value
 */
function attr(name, value) {
  return typeof value === 'string' && value !== '' ? ` ${name}="${escapeHtml(value)}"` : '';
}

/**
 * The raw text of a text object (for places that take plain text only, such as `<option>`).
 * @param {unknown} obj
 * @returns {string}
 */
export function plainText(obj) {
  if (typeof obj === 'string') return obj;
  return obj && typeof obj === 'object' && typeof (/** @type {Json} */ (obj).text) === 'string'
    ? /** @type {Json} */ (obj).text
    : '';
}

/**
 * A `plain_text` or `mrkdwn` text object as HTML.
 * @param {unknown} obj
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderText(obj, ctx) {
  if (!obj || typeof obj !== 'object') return '';
  const text = /** @type {Json} */ (obj);
  if (text.type === 'mrkdwn') return renderMrkdwn(text.text, ctx);
  return escapeHtml(plainText(text)).replace(/\n/g, '<br>');
}

const UNSUPPORTED_ELEMENT = '<span class="bk-unsupported">[unsupported element]</span>';

/**
 * @param {Json} el
 */
function confirmAttr(el) {
  return el.confirm && typeof el.confirm === 'object' ? attr('data-confirm', JSON.stringify(el.confirm)) : '';
}

/**
 * A button: primary (green), danger (red) or default, with its action id, value, link and confirm dialog.
 * @param {Json} el
 * @returns {string}
 */
export function renderButton(el) {
  const style = el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : '';
  const url = typeof el.url === 'string' && isSafeUrl(el.url) ? el.url : '';
  return (
    `<button type="button" class="bk-button${style}"${attr('data-action-id', el.action_id)}` +
    `${attr('data-value', el.value)}${attr('data-url', url)}${confirmAttr(el)}>${escapeHtml(plainText(el.text))}</button>`
  );
}

/**
 * `<option>`s (and `<optgroup>`s) of a select; `selected` is the value shown as chosen.
 * @param {Json} el
 * @param {string | undefined} selected
 */
function selectOptions(el, selected) {
  /** @param {Json} o */
  const option = (o) =>
    `<option value="${escapeHtml(o.value)}"${o.value === selected ? ' selected' : ''}>${escapeHtml(plainText(o.text))}</option>`;
  const options = Array.isArray(el.options) ? el.options.map(option).join('') : '';
  const groups = Array.isArray(el.option_groups)
    ? el.option_groups
        .map(
          (/** @type {Json} */ g) =>
            `<optgroup label="${escapeHtml(plainText(g.label))}">${(Array.isArray(g.options) ? g.options : []).map(option).join('')}</optgroup>`,
        )
        .join('')
    : '';
  return options + groups;
}

/**
 * A `static_select` acting at once (in a message or on Home): its placeholder cannot be chosen.
 * @param {Json} el
 * @returns {string}
 */
export function renderActionSelect(el) {
  const placeholder = plainText(el.placeholder) || 'Select an option';
  const initial = el.initial_option?.value;
  return (
    `<select class="bk-select"${attr('data-action-id', el.action_id)}${confirmAttr(el)}>` +
    `<option value="" disabled${initial === undefined ? ' selected' : ''}>${escapeHtml(placeholder)}</option>` +
    `${selectOptions(el, initial)}</select>`
  );
}

/**
 * @param {Json} el
 */
function renderImageElement(el) {
  const url = el.image_url ?? el.slack_file?.url;
  const alt = typeof el.alt_text === 'string' ? el.alt_text : '';
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return `<span class="bk-alt">${escapeHtml(alt)}</span>`;
  return `<img class="bk-img" src="${escapeHtml(url)}" alt="${escapeHtml(alt)}" loading="lazy">`;
}

/**
 * An element of an `actions` block or a section accessory.
 * @param {Json} el
 * @returns {string}
 */
export function renderElement(el) {
  switch (el?.type) {
    case 'button':
      return renderButton(el);
    case 'static_select':
      return renderActionSelect(el);
    case 'image':
      return renderImageElement(el);
    default:
      return UNSUPPORTED_ELEMENT;
  }
}

/**
 * A radio or checkbox option's label: text plus an optional description.
 * @param {Json} o
 * @param {RenderContext} ctx
 */
function choiceLabel(o, ctx) {
  const description = o.description ? `<span class="bk-choice-desc">${renderText(o.description, ctx)}</span>` : '';
  return `<span class="bk-choice-text">${renderText(o.text, ctx)}${description}</span>`;
}

/**
 * The control of an input block: every control carries `data-block-id` and `data-input-type`, which is how
 * the page collects a submission.
 * @param {Json} el
 * @param {string} blockId
 * @param {string} controlId
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderInputElement(el, blockId, controlId, ctx) {
  const common = `${attr('id', controlId)}${attr('data-block-id', blockId)}${attr('data-action-id', el.action_id)}${attr('data-input-type', el.type)}`;
  const placeholder = attr('placeholder', plainText(el.placeholder));
  const length =
    (Number.isInteger(el.max_length) ? ` maxlength="${el.max_length}"` : '') +
    (Number.isInteger(el.min_length) ? ` minlength="${el.min_length}"` : '');
  const initial = typeof el.initial_value === 'string' ? el.initial_value : '';
  switch (el.type) {
    case 'plain_text_input':
      return el.multiline
        ? `<textarea class="bk-control" rows="4"${common}${placeholder}${length}>${escapeHtml(initial)}</textarea>`
        : `<input type="text" class="bk-control"${common}${placeholder}${length}${attr('value', initial)}>`;
    case 'number_input': {
      const step = el.is_decimal_allowed ? 'any' : '1';
      const range = `${attr('min', el.min_value)}${attr('max', el.max_value)}`;
      return `<input type="number" class="bk-control" step="${step}"${range}${common}${placeholder}${attr('value', initial)}>`;
    }
    case 'email_text_input':
    case 'url_text_input': {
      const type = el.type === 'email_text_input' ? 'email' : 'url';
      return `<input type="${type}" class="bk-control"${common}${placeholder}${attr('value', initial)}>`;
    }
    case 'datepicker':
      return `<input type="date" class="bk-control"${common}${attr('value', el.initial_date)}>`;
    case 'timepicker':
      return `<input type="time" class="bk-control"${common}${attr('value', el.initial_time)}>`;
    case 'static_select': {
      const chosen = el.initial_option?.value;
      const none = `<option value="">${escapeHtml(plainText(el.placeholder) || 'Select an option')}</option>`;
      return `<select class="bk-control bk-select"${common}>${none}${selectOptions(el, chosen)}</select>`;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const type = el.type === 'radio_buttons' ? 'radio' : 'checkbox';
      const chosen = new Set(
        el.type === 'radio_buttons'
          ? [el.initial_option?.value]
          : (Array.isArray(el.initial_options) ? el.initial_options : []).map((/** @type {Json} */ o) => o.value),
      );
      const options = (Array.isArray(el.options) ? el.options : [])
        .map(
          (/** @type {Json} */ o) =>
            `<label class="bk-choice"><input type="${type}" name="${escapeHtml(`${controlId}`)}" value="${escapeHtml(o.value)}"` +
            `${chosen.has(o.value) ? ' checked' : ''}>${choiceLabel(o, ctx)}</label>`,
        )
        .join('');
      const role = type === 'radio' ? ' role="radiogroup"' : ' role="group"';
      return `<div class="bk-choices"${role}${common}${attr('aria-labelledby', `${controlId}-label`)}>${options}</div>`;
    }
    default:
      return UNSUPPORTED_ELEMENT;
  }
}

/**
 * An input block: label (with "(optional)"), control, hint, and the error the app returned for it.
 * @param {Json} block
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderInputBlock(block, ctx) {
  const blockId = typeof block.block_id === 'string' ? block.block_id : '';
  const controlId = `input-${blockId}`;
  const el = block.element && typeof block.element === 'object' ? block.element : {};
  const group = el.type === 'radio_buttons' || el.type === 'checkboxes';
  const optional = block.optional ? '<span class="bk-optional"> (optional)</span>' : '';
  const labelText = `${escapeHtml(plainText(block.label))}${optional}`;
  const label = group
    ? `<div class="bk-label"${attr('id', `${controlId}-label`)}>${labelText}</div>`
    : `<label class="bk-label"${attr('for', controlId)}>${labelText}</label>`;
  const hint = block.hint ? `<div class="bk-hint">${renderText(block.hint, ctx)}</div>` : '';
  const error = ctx.errors?.[blockId];
  return (
    `<div class="bk-input"${attr('data-input-block', blockId)}${block.optional ? '' : ' data-required'}>` +
    `${label}${renderInputElement(el, blockId, controlId, ctx)}${hint}${error ? renderInputError(error) : ''}</div>`
  );
}

/**
 * The red line under an input block.
 * @param {string} message
 */
export function renderInputError(message) {
  return `<div class="bk-error" data-testid="input-error">${escapeHtml(message)}</div>`;
}

/**
 * One block; unknown blocks show as a small grey "[unsupported block]".
 * @param {Json} block
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderBlock(block, ctx) {
  switch (block?.type) {
    case 'header':
      return `<div class="bk-header">${escapeHtml(plainText(block.text))}</div>`;
    case 'section': {
      const text = block.text ? `<div class="bk-text">${renderText(block.text, ctx)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="bk-fields">${block.fields.map((/** @type {Json} */ f) => `<div class="bk-field">${renderText(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory ? `<div class="bk-accessory">${renderElement(block.accessory)}</div>` : '';
      return `<div class="bk-section"><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context': {
      const elements = (Array.isArray(block.elements) ? block.elements : []).map((/** @type {Json} */ el) =>
        el?.type === 'image' ? renderImageElement(el) : `<span class="bk-context-text">${renderText(el, ctx)}</span>`,
      );
      return `<div class="bk-context">${elements.join('')}</div>`;
    }
    case 'divider':
      return '<hr class="bk-divider">';
    case 'actions': {
      const elements = (Array.isArray(block.elements) ? block.elements : []).map((/** @type {Json} */ el) =>
        renderElement(el),
      );
      return `<div class="bk-actions">${elements.join('')}</div>`;
    }
    case 'input':
      return renderInputBlock(block, ctx);
    case 'image': {
      const title = block.title
        ? `<figcaption class="bk-image-title">${renderText(block.title, ctx)}</figcaption>`
        : '';
      return `<figure class="bk-image">${title}${renderImageElement(block)}</figure>`;
    }
    default:
      return `<div class="bk-unsupported"${attr('data-block-type', String(block?.type ?? ''))}>[unsupported block]</div>`;
  }
}

/**
 * A list of blocks.
 * @param {unknown} blocks
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderBlocks(blocks, ctx) {
  return Array.isArray(blocks) ? blocks.map((b) => renderBlock(b, ctx)).join('') : '';
}

/**
 * A message's body: its blocks, or its `text` when it has none (or only the rich_text Slack makes from typing).
 * @param {{ text?: string, blocks?: unknown }} message
 * @param {RenderContext} ctx
 * @returns {string}
 */
export function renderMessageBody(message, ctx) {
  const blocks = Array.isArray(message.blocks) ? message.blocks : [];
  const typed = blocks.every((b) => b?.type === 'rich_text');
  if (blocks.length === 0 || (typed && message.text)) {
    return `<div class="msg-text">${renderMrkdwn(message.text ?? '', ctx)}</div>`;
  }
  return `<div class="blocks">${renderBlocks(blocks, ctx)}</div>`;
}

/**
 * A modal view: title, close button, blocks (inputs with any errors) and submit button.
 * @param {Json} view
 * @param {RenderContext & { viewId?: string, formError?: string }} ctx
 * @returns {string}
 */
export function renderModal(view, ctx) {
  const title = escapeHtml(plainText(view.title));
  const close = escapeHtml(plainText(view.close) || (view.submit ? 'Cancel' : 'Close'));
  const submit = view.submit
    ? `<button type="submit" class="bk-button bk-primary" data-testid="modal-submit">${escapeHtml(plainText(view.submit))}</button>`
    : '';
  const formError = ctx.formError ? `<div class="modal-error" role="alert">${escapeHtml(ctx.formError)}</div>` : '';
  return (
    `<form class="modal" data-testid="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" novalidate${attr('data-view-id', ctx.viewId)}${attr('data-callback-id', view.callback_id)}>` +
    `<header class="modal-head"><h2 id="modal-title">${title}</h2>` +
    `<button type="button" class="modal-x" data-testid="modal-x" aria-label="Close">×</button></header>` +
    `<div class="modal-body">${formError}${renderBlocks(view.blocks, ctx)}</div>` +
    `<footer class="modal-foot"><button type="button" class="bk-button" data-testid="modal-close">${close}</button>${submit}</footer>` +
    '</form>'
  );
}
