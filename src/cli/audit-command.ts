import { existsSync } from 'node:fs';
import { shortHash } from '../audit/hash.js';
import { fileSource, storeSource } from '../audit/sources.js';
import { type VerifyResult, verifyChain } from '../audit/verify.js';
import { type Command, JSON_OPTION, UsageError } from './command.js';

/** Problems listed after the first broken link in the text report. */
const MORE = 9;

function report(result: VerifyResult, source: string): string {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`audit chain intact: ${result.events} events, ${result.tokens} tokens`);
  } else {
    const [first, ...rest] = result.problems;
    lines.push(`audit chain broken: ${first?.message}`);
    for (const p of rest.slice(0, MORE)) lines.push(`  also: ${p.message}`);
    if (rest.length > MORE) lines.push(`  … and ${rest.length - MORE} more (--json lists up to 100)`);
    lines.push(`checked ${result.events} events, ${result.tokens} tokens`);
  }
  if (result.head) lines.push(`head: event ${result.head.seq}, hash ${result.head.hash ?? '(none)'}`);
  if (result.gc_removed > 0) lines.push(`GC removed ${result.gc_removed} events, accounted for by its anchors`);
  if (result.starts_after !== null)
    lines.push(`${source} starts after ${shortHash(result.starts_after)}: events before it were not checked`);
  return `${lines.join('\n')}\n`;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Check the tamper-evident audit log: `audit verify` names the first broken link',
  usage: 'rodizio audit verify [--json] [--file events.jsonl]',
  details: [
    'Recomputes every event hash and follows both chains (the whole log, and each token) to their heads.',
    'Exit 0: "audit chain intact: N events, M tokens". Exit 1: the first broken link, by event id and token:',
    'content edited, event missing, order broken. Gaps that `rodizio gc` left are accounted for by its',
    'audit_anchor events. --file checks a `rodizio export` file instead of RODIZIO_DB (its last events cannot',
    'be checked against a head: compare the printed head with the one the database showed).',
  ].join('\n'),
  options: { file: { type: 'string' }, ...JSON_OPTION },
  positionals: 1,
  async run({ store, positionals, values, io }) {
    if (positionals[0] !== 'verify') throw new UsageError(`unknown audit action "${positionals[0]}"`);
    const file = values.file as string | undefined;
    if (file !== undefined && !existsSync(file)) {
      io.stderr(`rodizio audit: cannot read ${file}: no such file\n`);
      return 1;
    }
    let sealed = 0;
    let result: VerifyResult;
    if (file !== undefined) {
      result = await verifyChain(fileSource(file));
    } else {
      const source = await storeSource((await store()).store.events);
      sealed = source.sealed;
      result = await verifyChain(source);
    }
    if (sealed > 0) io.stderr(`hashed ${sealed} events written before the audit chain existed\n`);
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...result, first_broken: result.problems[0] ?? null, sealed }, null, 2)}\n`);
    } else {
      io.stdout(report(result, file ?? 'the log'));
    }
    return result.ok ? 0 : 1;
  },
};
