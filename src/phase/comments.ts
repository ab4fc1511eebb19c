/** The GitHub comment posted when a session reports `PHASE:failed`. */
export function failureComment(p: {
  session: string;
  reason: string | null;
  pr: string | null;
  at: number;
  /** The last lines of the session's pane, already redacted; undefined when the session is gone. */
  pane: string | undefined;
}): string {
  const when = new Date(p.at).toISOString().slice(0, 19).replace('T', ' ');
  const lines = [
    `❌ **Agent session \`${p.session}\` failed** (${when} UTC).`,
    '',
    `**Exit reason:** ${p.reason ?? '_none given (line 2 of the phase file is empty)_'}`,
    `**Pull request:** ${p.pr ?? '_none_'}`,
    '',
  ];
  if (p.pane === undefined) {
    lines.push('_The tmux session no longer exists, so there is no terminal output to show._');
  } else {
    const fence = p.pane.includes('```') ? '~~~~' : '```';
    lines.push(
      '<details><summary>Last 50 lines of the session (secrets redacted)</summary>',
      '',
      fence,
      p.pane,
      fence,
      '',
      '</details>',
    );
  }
  lines.push('', "<sub>Labelled `blocked` by rodizio from the session's phase file.</sub>");
  return lines.join('\n');
}
