/** Types for blockkit.js (a browser module served as is, so it is JavaScript with JSDoc). */
import type { MrkdwnContext } from './mrkdwn.js';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the server is read loosely, as the page does.
export type Json = Record<string, any>;

/** The mrkdwn context plus the errors a modal submission returned, by block id. */
export interface RenderContext extends MrkdwnContext {
  errors?: Record<string, string>;
}

/** The raw text of a text object. */
export function plainText(obj: unknown): string;
/** A `plain_text` or `mrkdwn` text object as HTML. */
export function renderText(obj: unknown, ctx: RenderContext): string;
/** A button with its style, action id, value, link and confirm dialog. */
export function renderButton(el: Json): string;
/** A `static_select` acting at once (in a message or on Home). */
export function renderActionSelect(el: Json): string;
/** An element of an `actions` block or a section accessory. */
export function renderElement(el: Json): string;
/** The control of an input block. */
export function renderInputElement(el: Json, blockId: string, controlId: string, ctx: RenderContext): string;
/** An input block: label, control, hint and error. */
export function renderInputBlock(block: Json, ctx: RenderContext): string;
/** The red line under an input block. */
export function renderInputError(message: string): string;
/** One block; unknown blocks show as "[unsupported block]". */
export function renderBlock(block: Json, ctx: RenderContext): string;
/** A list of blocks. */
export function renderBlocks(blocks: unknown, ctx: RenderContext): string;
/** A message's blocks, or its text when it has none (or only rich_text). */
export function renderMessageBody(message: { text?: string; blocks?: unknown }, ctx: RenderContext): string;
/** A modal view: title, close, blocks and submit. */
export function renderModal(view: Json, ctx: RenderContext & { viewId?: string; formError?: string }): string;
