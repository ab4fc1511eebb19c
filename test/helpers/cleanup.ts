/**
 * What a test started through the helpers (bridges, fake servers, temp folders, tmux servers, browsers), undone
 * after the test by test/setup.ts, newest first, so a bridge stops before the database and folder under it go.
 *
 * Helpers must not call `afterEach` at their top level: the sqlite project runs several files in one fork
 * without isolation, so a helper module is evaluated once per fork and a hook it registered would run for the
 * first file only (every later file would leak its bridges and servers). The setup file runs for every file.
 */
const undo: (() => unknown)[] = [];

/** Runs `fn` after the current test (after its own afterEach hooks), even when the test failed. */
export function afterTest(fn: () => unknown): void {
  undo.push(fn);
}

/** Runs every registered cleanup, newest first; all run even if one throws, and the first error is rethrown. */
export async function runCleanups(): Promise<void> {
  let first: unknown;
  for (let fn = undo.pop(); fn; fn = undo.pop()) {
    try {
      await fn();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
