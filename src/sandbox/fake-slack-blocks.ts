/**
 * Pure Block Kit helpers shared by the fake Slack and the driver: filling in the ids Slack generates, finding an
 * element by `action_id`, and building the `actions[]` / `state.values` entries Slack sends back.
 */
import { createHash } from 'node:crypto';

/** A JSON object as Slack sends and receives it. */
export type Json = Record<string, unknown>;

/** Whether a value is a plain JSON object. */
export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value a human typed or picked: one string, several (checkboxes, multi-selects), or nothing. */
export type InputValue = string | string[] | undefined;

const NON_INTERACTIVE = new Set(['image', 'plain_text', 'mrkdwn']);

/** Slack's generated ids are short and opaque; deriving them from a seed keeps snapshots stable. */
function generatedId(seed: string): string {
  return createHash('sha256').update(seed).digest('base64url').slice(0, 5);
}

/** The interactive elements of one block (accessory, actions elements, input element). */
function elementsOf(block: Json): Json[] {
  if (block.type === 'actions' && Array.isArray(block.elements)) return block.elements.filter(isObj);
  if (block.type === 'section' && isObj(block.accessory)) return [block.accessory];
  if (block.type === 'input' && isObj(block.element)) return [block.element];
  return [];
}

/** A deep copy of `blocks` with every missing `block_id` and interactive `action_id` filled in, as Slack stores them. */
export function normalizeBlocks(blocks: unknown, seed: string): Json[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const copy = structuredClone(blocks.filter(isObj));
  copy.forEach((block, i) => {
    if (typeof block.block_id !== 'string') block.block_id = generatedId(`${seed}:b${i}`);
    elementsOf(block).forEach((element, j) => {
      if (NON_INTERACTIVE.has(String(element.type))) return;
      if (typeof element.action_id !== 'string') element.action_id = generatedId(`${seed}:b${i}:e${j}`);
    });
  });
  return copy;
}

/** An element found by its `action_id`, with the block that holds it. */
export interface FoundElement {
  block: Json;
  blockId: string;
  element: Json;
}

/** Finds the interactive element with this `action_id` in a list of blocks. */
export function findElement(blocks: unknown, actionId: string, blockId?: string): FoundElement | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks.filter(isObj)) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const element = elementsOf(block).find((e) => e.action_id === actionId);
    if (element) return { block, blockId: String(block.block_id ?? ''), element };
  }
  return undefined;
}

/** Every `action_id` in a list of blocks, for error messages that say what was there instead. */
export function listActionIds(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return blocks
    .filter(isObj)
    .flatMap(elementsOf)
    .map((e) => e.action_id)
    .filter((id): id is string => typeof id === 'string');
}

function optionsOf(element: Json): Json[] {
  const direct = Array.isArray(element.options) ? element.options.filter(isObj) : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.filter(isObj).flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isObj) : []))
    : [];
  return [...direct, ...grouped];
}

function pickOption(element: Json, value: string): Json {
  const option = optionsOf(element).find((o) => o.value === value);
  if (!option) {
    const known = optionsOf(element).map((o) => JSON.stringify(o.value));
    throw new Error(
      `element ${String(element.action_id)} has no option with value ${JSON.stringify(value)} (has ${known.join(', ')})`,
    );
  }
  return structuredClone(option);
}

function asList(value: InputValue): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function single(element: Json, value: InputValue): string | undefined {
  if (Array.isArray(value))
    throw new Error(`element ${String(element.action_id)} (${String(element.type)}) takes one value`);
  return value;
}

/** One `state.values[block_id][action_id]` entry: what Slack reports for an element after the human's input. */
export function elementState(element: Json, value: InputValue): Json {
  const type = String(element.type);
  switch (type) {
    case 'static_select':
    case 'radio_buttons':
    case 'overflow': {
      const v = single(element, value);
      const selected =
        v !== undefined ? pickOption(element, v) : isObj(element.initial_option) ? element.initial_option : null;
      return { type, selected_option: selected };
    }
    case 'checkboxes':
    case 'multi_static_select': {
      const list = asList(value);
      const selected = list
        ? list.map((v) => pickOption(element, v))
        : Array.isArray(element.initial_options)
          ? element.initial_options
          : [];
      return { type, selected_options: selected };
    }
    case 'datepicker':
      return { type, selected_date: single(element, value) ?? element.initial_date ?? null };
    case 'timepicker':
      return { type, selected_time: single(element, value) ?? element.initial_time ?? null };
    case 'users_select':
      return { type, selected_user: single(element, value) ?? element.initial_user ?? null };
    case 'conversations_select':
      return { type, selected_conversation: single(element, value) ?? element.initial_conversation ?? null };
    case 'channels_select':
      return { type, selected_channel: single(element, value) ?? element.initial_channel ?? null };
    case 'multi_users_select':
      return { type, selected_users: asList(value) ?? element.initial_users ?? [] };
    default: {
      // plain_text_input, number_input, email/url inputs: an empty field arrives as null, never as ''.
      const v = single(element, value) ?? element.initial_value;
      return { type, value: typeof v === 'string' && v !== '' ? v : null };
    }
  }
}

/** `view.state.values` for a submission: input blocks take `values[block_id]`, other stateful elements their initial state. */
export function buildStateValues(
  blocks: unknown,
  values: Record<string, InputValue> = {},
): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  const used = new Set<string>();
  for (const block of Array.isArray(blocks) ? blocks.filter(isObj) : []) {
    const blockId = String(block.block_id ?? '');
    for (const element of elementsOf(block)) {
      if (element.type === 'button' || NON_INTERACTIVE.has(String(element.type))) continue;
      const actionId = String(element.action_id ?? '');
      const given = block.type === 'input' ? values[blockId] : undefined;
      if (block.type === 'input' && blockId in values) used.add(blockId);
      out[blockId] ??= {};
      out[blockId][actionId] = elementState(element, given);
    }
  }
  const unknown = Object.keys(values).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new Error(`no input block with block_id ${unknown.join(', ')} in this view`);
  return out;
}

/** One `actions[]` entry of a `block_actions` payload, as Slack builds it for a click or a pick. */
export function buildAction(found: FoundElement, actionTs: string, value?: InputValue): Json {
  const { element, blockId } = found;
  const type = String(element.type);
  const base = { action_id: element.action_id, block_id: blockId };
  switch (type) {
    case 'button': {
      const action: Json = { ...base, text: element.text, type };
      if (element.value !== undefined) action.value = element.value;
      if (element.style !== undefined) action.style = element.style;
      if (element.url !== undefined) action.url = element.url;
      action.action_ts = actionTs;
      return action;
    }
    case 'static_select':
    case 'radio_buttons':
    case 'overflow': {
      const v = single(element, value);
      if (v === undefined) throw new Error(`picking from ${String(element.action_id)} (${type}) needs a value`);
      const action: Json = { type, ...base, selected_option: pickOption(element, v) };
      if (element.placeholder !== undefined) action.placeholder = element.placeholder;
      action.action_ts = actionTs;
      return action;
    }
    case 'checkboxes':
    case 'multi_static_select':
      return { type, ...base, ...elementState(element, value ?? []), action_ts: actionTs };
    default:
      return { ...elementState(element, value), ...base, action_ts: actionTs };
  }
}
