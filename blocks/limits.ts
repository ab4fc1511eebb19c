/**
 * Block Kit limits, checked the way Slack checks them (`invalid_blocks`). Used by the tests over generated
 * tokens and by the fake Slack, which refuses what the real one would refuse.
 */

export type Surface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  messageText: 40_000,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  radioOptions: 10,
} as const;

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  max(path: string, value: unknown, limit: number): void {
    if (typeof value === 'string' && value.length > limit) this.fail(path, `is ${value.length} long, limit ${limit}`);
  }

  text(path: string, value: unknown, limit: number, plainOnly = false): void {
    if (!isObj(value)) {
      this.fail(path, 'must be a text object');
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
      this.fail(path, 'type must be plain_text or mrkdwn');
      return;
    }
    if (plainOnly && value.type !== 'plain_text') this.fail(path, 'must be plain_text');
    if (typeof value.text !== 'string' || value.text.length === 0) {
      this.fail(`${path}.text`, 'must be a non-empty string');
      return;
    }
    this.max(`${path}.text`, value.text, limit);
  }

  confirm(path: string, c: unknown): void {
    if (!isObj(c)) {
      this.fail(path, 'must be a confirm object');
      return;
    }
    this.text(`${path}.title`, c.title, LIMITS.confirmTitle, true);
    this.text(`${path}.text`, c.text, LIMITS.confirmText);
    this.text(`${path}.confirm`, c.confirm, LIMITS.confirmButton, true);
    this.text(`${path}.deny`, c.deny, LIMITS.confirmButton, true);
    if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger') this.fail(`${path}.style`, 'bad style');
  }

  option(path: string, o: unknown): void {
    if (!isObj(o)) {
      this.fail(path, 'must be an option object');
      return;
    }
    this.text(`${path}.text`, o.text, LIMITS.optionText);
    if (typeof o.value !== 'string' || o.value.length === 0) this.fail(`${path}.value`, 'must be a non-empty string');
    this.max(`${path}.value`, o.value, LIMITS.optionValue);
  }

  element(path: string, e: unknown, actionIds: Set<string>): void {
    if (!isObj(e)) {
      this.fail(path, 'must be an element object');
      return;
    }
    if (e.action_id !== undefined) {
      if (typeof e.action_id !== 'string' || e.action_id.length === 0)
        this.fail(`${path}.action_id`, 'must be a string');
      this.max(`${path}.action_id`, e.action_id, LIMITS.actionId);
      if (typeof e.action_id === 'string') {
        if (actionIds.has(e.action_id)) this.fail(`${path}.action_id`, `duplicate action_id ${e.action_id}`);
        actionIds.add(e.action_id);
      }
    }
    if (e.confirm !== undefined) this.confirm(`${path}.confirm`, e.confirm);
    switch (e.type) {
      case 'button':
        this.text(`${path}.text`, e.text, LIMITS.buttonText, true);
        this.max(`${path}.value`, e.value, LIMITS.buttonValue);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
          this.fail(`${path}.style`, 'bad style');
        break;
      case 'static_select': {
        if (e.placeholder !== undefined) this.text(`${path}.placeholder`, e.placeholder, LIMITS.placeholder, true);
        const options = e.options;
        if (!Array.isArray(options) || options.length === 0) this.fail(`${path}.options`, 'must be a non-empty array');
        else {
          if (options.length > LIMITS.selectOptions)
            this.fail(`${path}.options`, `${options.length} options, limit 100`);
          options.forEach((o, i) => {
            this.option(`${path}.options[${i}]`, o);
          });
        }
        break;
      }
      case 'radio_buttons':
      case 'checkboxes': {
        const options = e.options;
        if (!Array.isArray(options) || options.length === 0) this.fail(`${path}.options`, 'must be a non-empty array');
        else {
          if (options.length > LIMITS.radioOptions) this.fail(`${path}.options`, `${options.length} options, limit 10`);
          options.forEach((o, i) => {
            this.option(`${path}.options[${i}]`, o);
          });
        }
        break;
      }
      // Menus Slack fills itself (people, conversations, channels): only the placeholder is ours.
      case 'users_select':
      case 'conversations_select':
      case 'channels_select':
        if (e.placeholder !== undefined) this.text(`${path}.placeholder`, e.placeholder, LIMITS.placeholder, true);
        break;
      case 'plain_text_input':
      case 'number_input':
        if (e.placeholder !== undefined) this.text(`${path}.placeholder`, e.placeholder, LIMITS.placeholder, true);
        if (typeof e.max_length === 'number' && e.max_length > 3000) this.fail(`${path}.max_length`, 'limit 3000');
        break;
      case 'image':
        if (typeof e.image_url !== 'string' || typeof e.alt_text !== 'string')
          this.fail(path, 'image needs image_url and alt_text');
        break;
      case 'plain_text':
      case 'mrkdwn':
        this.text(path, e, LIMITS.sectionText);
        break;
      default:
        this.fail(`${path}.type`, `unsupported element type ${String(e.type)}`);
    }
  }

  block(path: string, b: unknown, blockIds: Set<string>, surface: Surface): void {
    if (!isObj(b)) {
      this.fail(path, 'must be a block object');
      return;
    }
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length === 0) this.fail(`${path}.block_id`, 'must be a string');
      this.max(`${path}.block_id`, b.block_id, LIMITS.blockId);
      if (typeof b.block_id === 'string') {
        if (blockIds.has(b.block_id)) this.fail(`${path}.block_id`, `duplicate block_id ${b.block_id}`);
        blockIds.add(b.block_id);
      }
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'header':
        this.text(`${path}.text`, b.text, LIMITS.headerText, true);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.fail(path, 'section needs text or fields');
        if (b.text !== undefined) this.text(`${path}.text`, b.text, LIMITS.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > LIMITS.sectionFields)
            this.fail(`${path}.fields`, 'at most 10 fields');
          else
            b.fields.forEach((f, i) => {
              this.text(`${path}.fields[${i}]`, f, LIMITS.fieldText);
            });
        }
        if (b.accessory !== undefined) this.element(`${path}.accessory`, b.accessory, actionIds);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          this.fail(`${path}.elements`, 'must be a non-empty array');
        else {
          if (b.elements.length > LIMITS.contextElements)
            this.fail(`${path}.elements`, `${b.elements.length} elements, limit 10`);
          b.elements.forEach((e, i) => {
            this.element(`${path}.elements[${i}]`, e, actionIds);
          });
        }
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0)
          this.fail(`${path}.elements`, 'must be a non-empty array');
        else {
          if (b.elements.length > LIMITS.actionsElements)
            this.fail(`${path}.elements`, `${b.elements.length} elements, limit 25`);
          b.elements.forEach((e, i) => {
            this.element(`${path}.elements[${i}]`, e, actionIds);
          });
        }
        break;
      case 'divider':
        break;
      case 'input':
        if (surface === 'message') this.fail(path, 'input blocks only belong in modals and Home');
        this.text(`${path}.label`, b.label, LIMITS.inputLabel, true);
        if (b.hint !== undefined) this.text(`${path}.hint`, b.hint, LIMITS.inputHint, true);
        this.element(`${path}.element`, b.element, actionIds);
        break;
      default:
        this.fail(`${path}.type`, `unsupported block type ${String(b.type)}`);
    }
  }

  blocks(blocks: unknown, surface: Surface): void {
    if (blocks === undefined) return;
    if (!Array.isArray(blocks)) {
      this.fail('blocks', 'must be an array');
      return;
    }
    const limit = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
    if (blocks.length > limit) this.fail('blocks', `${blocks.length} blocks, limit ${limit}`);
    const ids = new Set<string>();
    blocks.forEach((b, i) => {
      this.block(`blocks[${i}]`, b, ids, surface);
    });
  }
}

/** Problems with a message (`{ text, blocks }`): an empty list means Slack would accept it. */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): string[] {
  const c = new Checker();
  if (typeof message.text !== 'string' || message.text.trim() === '')
    c.fail('text', 'always set a plain-text fallback');
  c.max('text', message.text, LIMITS.messageText);
  c.blocks(message.blocks, 'message');
  return c.problems;
}

/** Problems with a modal or Home view. */
export function validateView(view: unknown): string[] {
  const c = new Checker();
  if (!isObj(view)) return ['view: must be an object'];
  if (view.type === 'modal') {
    c.text('title', view.title, LIMITS.viewTitle, true);
    if (view.submit !== undefined) c.text('submit', view.submit, LIMITS.viewButton, true);
    if (view.close !== undefined) c.text('close', view.close, LIMITS.viewButton, true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) c.fail('submit', 'a modal with inputs needs a submit button');
  } else if (view.type !== 'home') {
    c.fail('type', 'must be modal or home');
  }
  c.max('private_metadata', view.private_metadata, LIMITS.privateMetadata);
  c.max('callback_id', view.callback_id, LIMITS.callbackId);
  c.blocks(view.blocks, view.type === 'home' ? 'home' : 'modal');
  return c.problems;
}
