/** Types for mrkdwn.js (a browser module served as is, so it is JavaScript with JSDoc). */

/** Names the converter resolves, and how it formats dates. */
export interface MrkdwnContext {
  /** User id → name, for `<@U…>`. */
  users?: Record<string, string>;
  /** User group id → handle, for `<!subteam^S…>`. */
  usergroups?: Record<string, string>;
  /** Channel id → name, for `<#C…>`. */
  channels?: Record<string, string>;
  /** IANA time zone for `<!date^…>` (default: the viewer's own). */
  timeZone?: string;
  /** Epoch ms that "today" is relative to (default: now). */
  now?: number;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: unknown): string;
/** Decodes Slack's `&lt; &gt; &amp;` in one pass. */
export function decodeSlackEntities(text: string): string;
/** Whether a URL may become a link target (http, https, mailto). */
export function isSafeUrl(url: string): boolean;
/** Slack mrkdwn → HTML that is safe to assign to `innerHTML`. */
export function renderMrkdwn(text: unknown, ctx?: MrkdwnContext): string;
