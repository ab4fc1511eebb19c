/**
 * Every Slack identifier rodizio puts on a surface, in one place: `blocks/` renders them, `handlers/`
 * listens for them. Values that carry a token say so; token ids are at most 128 characters, so every
 * composed id stays under Slack's 255.
 */
export const ActionId = {
  /** One button per option: `rodizio.option.<index>`; value `<token id>|<index>`. */
  optionPrefix: 'rodizio.option.',
  optionPattern: /^rodizio\.option\.\d+$/,
  /** The static select used when the options do not fit as buttons; option values `<token id>|<index>`. */
  optionSelect: 'rodizio.option_select',
  /** "Answer…": opens the modal; value is the token id. */
  answer: 'rodizio.answer',
  /** "I'm on it": claims the token; value is the token id. */
  claim: 'rodizio.claim',
  /** "Reassign…": opens the reassign modal; value is the token id. */
  reassign: 'rodizio.reassign',
  /** "Edit…": opens the modal prefilled with the token's proposed input; value is the token id. */
  edit: 'rodizio.edit',
  /** "Deny…" on a permission request: opens the modal asking for the reason; value is the token id. */
  deny: 'rodizio.deny',
  /** "Allow for 1 h…" on a permission request: opens the grant modal; value is the token id. */
  grant: 'rodizio.grant',
  /** "Revoke" beside a standing grant (App Home, `/rodizio grants`); value is the grant id. */
  revokeGrant: 'rodizio.grant_revoke',
  /** The "Snooze reminders" menu on a pending card; option values `<token id>|<choice>` (see blocks/snooze.ts). */
  snooze: 'rodizio.snooze',
} as const;

export const CallbackId = {
  answerModal: 'rodizio.answer_submit',
  noticeModal: 'rodizio.notice',
  reassignModal: 'rodizio.reassign_submit',
  editModal: 'rodizio.edit_submit',
  denyModal: 'rodizio.deny_submit',
  grantModal: 'rodizio.grant_submit',
} as const;

export const BlockId = {
  actions: (tokenId: string) => `rodizio.actions.${tokenId}`,
  prompt: (tokenId: string) => `rodizio.prompt.${tokenId}`,
  /** The line about a github_ref token's commit (stale or not). */
  githubRef: (tokenId: string) => `rodizio.ref.${tokenId}`,
  /** What the agent wants to do (a permission request) or proposes (`proposed_input`). */
  request: (tokenId: string) => `rodizio.request.${tokenId}`,
  /** One standing grant in a list: `rodizio.grant.<grant id>`. */
  grant: (grantId: string) => `rodizio.grant.${grantId}`,
  /** The free-text answer in the modal. */
  freeText: 'rodizio.answer.text',
  /** One input per schema field: `rodizio.field.<name>`. */
  field: (name: string) => `rodizio.field.${name}`,
  fieldPrefix: 'rodizio.field.',
  /** The reassign modal's inputs: one target of the three, and a note. */
  reassignUser: 'rodizio.reassign.user',
  reassignGroup: 'rodizio.reassign.group',
  reassignChannel: 'rodizio.reassign.channel',
  reassignNote: 'rodizio.reassign.note',
  /** The Edit… modal: the edited value, and the option to answer with when the token has several. */
  editValue: 'rodizio.edit.value',
  editOption: 'rodizio.edit.option',
  /** The Deny modal's reason. */
  denyReason: 'rodizio.deny.reason',
  /** The grant modal: exact or prefix, the prefix, how long. */
  grantScope: 'rodizio.grant.scope',
  grantValue: 'rodizio.grant.value',
  grantDuration: 'rodizio.grant.duration',
} as const;

/** The action_id of every input element in the modal; the block_id tells them apart. */
export const INPUT_ACTION_ID = 'value';

export const SLASH_COMMAND = '/rodizio';

/**
 * `<token id>|<option index>`, the value of option buttons and select options; `|<sha>` after it on a token with
 * a github_ref: the commit the card showed, so a click after the ref moved on is refused (token ids hold no `|`).
 */
export function encodeOptionValue(tokenId: string, index: number, sha?: string): string {
  return sha ? `${tokenId}|${index}|${sha}` : `${tokenId}|${index}`;
}

export function decodeOptionValue(value: string): { tokenId: string; index: number; sha?: string } | undefined {
  const m = /^(.+?)\|(\d+)(?:\|([0-9a-f]{40}))?$/.exec(value);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const index = Number(m[2]);
  if (!Number.isSafeInteger(index)) return undefined;
  return { tokenId: m[1], index, ...(m[3] ? { sha: m[3] } : {}) };
}
