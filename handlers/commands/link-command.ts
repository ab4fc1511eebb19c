import { z } from 'zod';
import { SLASH_COMMAND } from '../../blocks/ids.js';
import { escapeMrkdwn } from '../../blocks/text.js';
import { FORGE_NAME, type ForgeKind } from '../../src/forge/forge.js';
import {
  CHALLENGE_TTL_MS,
  type Identities,
  type LinkOutcome,
  profileSettingsUrl,
} from '../../src/identity/identities.js';
import { type IntakeProcessor, intakeKind } from '../../src/slack/intake.js';
import type { HandlerDeps } from '../deps.js';
import { respondEphemeral } from '../tell.js';

/** `/rodizio link <login>`, `/rodizio link verify`, `/rodizio unlink`: the identity subcommands that change state. */
export const IdentityCommand = intakeKind(
  'identity',
  z.object({
    verb: z.enum(['start', 'verify', 'unlink']),
    /** The login claimed (start only). */
    login: z.string().nullable(),
    user: z.string().min(1),
    response_url: z.string().min(1),
  }),
);
export type IdentityCommand = z.infer<typeof IdentityCommand.schema>;

const code = (s: string) => `\`${escapeMrkdwn(s)}\``;

/** The forge's name and where its profile is edited, for the texts below. */
function forgeWords(deps: Pick<HandlerDeps, 'config' | 'forge'>) {
  const kind: ForgeKind = deps.forge?.kind ?? deps.config.github?.forge ?? 'github';
  return {
    name: FORGE_NAME[kind],
    profile: kind === 'gitea' ? 'profile biography' : 'profile bio',
    settings: profileSettingsUrl(kind, deps.config.githubWebUrl.replace(/\/+$/, '')),
  };
}

/** What the person reads after a link step. */
export function linkOutcomeText(outcome: LinkOutcome, deps: Pick<HandlerDeps, 'config' | 'forge'>): string {
  const f = forgeWords(deps);
  const verify = `\`${SLASH_COMMAND} link verify\``;
  switch (outcome.kind) {
    case 'challenge':
      return [
        `To link your Slack account to *${escapeMrkdwn(outcome.login)}* on ${f.name}, show that the account is yours:`,
        `1. Put ${code(outcome.code)} in ${escapeMrkdwn(outcome.login)}'s ${f.name} ${f.profile} (<${f.settings}|profile settings>).`,
        `2. Run ${verify} within ${CHALLENGE_TTL_MS / 60_000} minutes.`,
        `Once linked you can take the code out again.`,
      ].join('\n');
    case 'linked':
      return `Linked: you are *${escapeMrkdwn(outcome.login)}* on ${f.name}. Comments rodizio posts name you, and answers that need repository access are checked against ${escapeMrkdwn(outcome.login)}'s. You can take the code out of your ${f.profile} now.`;
    case 'code_missing':
      return `${code(outcome.code)} is not in ${escapeMrkdwn(outcome.login)}'s ${f.name} ${f.profile} yet. Save it there (<${f.settings}|profile settings>), then run ${verify} again. Nothing changed.`;
    case 'no_such_user':
      return `There is no ${f.name} user *${escapeMrkdwn(outcome.login)}*. Check the spelling and start again with \`${SLASH_COMMAND} link <login>\`. Nothing changed.`;
    case 'no_challenge':
      return `Nothing to verify: start with \`${SLASH_COMMAND} link <${f.name === 'GitHub' ? 'github' : 'forge'}-login>\`.`;
    case 'expired':
      return `The code for *${escapeMrkdwn(outcome.login)}* has expired. Run \`${SLASH_COMMAND} link ${escapeMrkdwn(outcome.login)}\` for a new one. Nothing changed.`;
    case 'declared':
      return `rodizio's config file says you are *${escapeMrkdwn(outcome.login)}* on ${f.name}; ask its operator to change that. Nothing changed.`;
    case 'bad_login':
      return `${code(outcome.input)} is not a ${f.name} login (letters, digits and single \`-\`, \`.\` or \`_\` between them, such as octocat). Nothing changed.`;
    case 'no_forge':
      return `rodizio has no ${f.name} access configured, so it cannot check a link; the operator can declare logins in the config file (\`identities\`).`;
    case 'forge_error':
      return `Could not read the profile on ${f.name} just now; try ${verify} again in a moment. Nothing changed.`;
  }
}

/** `/rodizio link` alone: who rodizio thinks you are, and how to change it. */
export async function linkStatusText(
  identities: Identities,
  deps: Pick<HandlerDeps, 'config' | 'forge'>,
  user: string,
) {
  const f = forgeWords(deps);
  const known = await identities.known(user);
  const pending = await identities.pending(user);
  const lines = [
    known
      ? `You are *${escapeMrkdwn(known.login)}* on ${f.name} (${known.source === 'config' ? "from rodizio's config file" : `linked by you; \`${SLASH_COMMAND} unlink\` undoes it`}).`
      : `Your Slack account is not linked to a ${f.name} account.`,
  ];
  if (pending)
    lines.push(
      `Waiting for ${code(pending.code)} in ${escapeMrkdwn(pending.login)}'s ${f.profile}: then \`${SLASH_COMMAND} link verify\`.`,
    );
  if (known?.source !== 'config') lines.push(`\`${SLASH_COMMAND} link <login>\` links (or re-links) your account.`);
  return lines.join('\n');
}

/** Runs the recorded identity step and replies with what came of it. */
export function createIdentityCommandProcessor(deps: HandlerDeps): IntakeProcessor<IdentityCommand> {
  return async (c, ctx) => {
    const identities = deps.identities;
    let text: string;
    let changed = false;
    if (!identities) {
      text = 'Linking accounts is not available on this rodizio.';
    } else if (c.verb === 'unlink') {
      const { removed, declared } = await identities.unlink(c.user);
      changed = removed !== undefined;
      const f = forgeWords(deps);
      text = removed
        ? `Unlinked: rodizio no longer takes you for *${escapeMrkdwn(removed)}* on ${f.name}.`
        : 'You had not linked an account. Nothing changed.';
      if (declared) text += ` rodizio's config file still says you are *${escapeMrkdwn(declared)}*.`;
    } else {
      const outcome =
        c.verb === 'verify' ? await identities.verify(c.user) : await identities.start(c.user, c.login ?? '');
      changed = outcome.kind === 'challenge' || outcome.kind === 'linked';
      text = linkOutcomeText(outcome, deps);
    }
    if (ctx.respond) await ctx.respond(text);
    else await respondEphemeral(c.response_url, text, ctx.logger);
    return changed ? 'done' : 'unchanged';
  };
}
