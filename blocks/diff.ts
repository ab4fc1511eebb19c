/** One line of a line diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  line: string;
}

/** Beyond this many lines on a side the diff is "all old out, all new in" (the LCS table is quadratic). */
const MAX_LINES = 400;

/** A line diff of `before` → `after` by longest common subsequence; no I/O, no clock. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number)) {
      out.push({ op: '-', line: a[i++] as string });
    } else {
      out.push({ op: '+', line: b[j++] as string });
    }
  }
  while (i < a.length) out.push({ op: '-', line: a[i++] as string });
  while (j < b.length) out.push({ op: '+', line: b[j++] as string });
  return out;
}

/** The diff as text, `- ` / `+ ` / `  ` before each line (for a code block). */
export function diffText(before: string, after: string): string {
  return lineDiff(before, after)
    .map((d) => `${d.op} ${d.line}`)
    .join('\n');
}
