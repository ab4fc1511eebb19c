/**
 * Ports for child processes that must be told theirs before they start (`rodizio serve` reads PORT).
 *
 * Asking the kernel for port 0 and closing it again leaves a window in which another test's server, also given
 * port 0, can take the same port; a child that then fails to bind looks healthy through the other server's
 * /healthz, and the test talks to the wrong bridge. So these ports come from below the kernel's ephemeral range
 * (32768 and up on Linux), which port-0 binds never use, from a block of its own for each vitest worker, and each
 * is checked free before it is handed out. Nothing here imports vitest: benches use it too (block 0).
 */
import { createServer } from 'node:net';

const FIRST = 10_000;
const BLOCK = 1_000;
const BLOCKS = 22; // 10,000 to 31,999: under 32,768
const block = Number(process.env.VITEST_POOL_ID ?? 0) % BLOCKS;
/** A random start, so a worker's next file (a fresh module) does not reuse the ports of the one before. */
let next = Math.floor(Math.random() * BLOCK);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free loopback port that no other test worker and no port-0 bind will be handed meanwhile. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = FIRST + block * BLOCK + (next++ % BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST + block * BLOCK}–${FIRST + (block + 1) * BLOCK - 1}`);
}
