// Benchmark servers, each started in its own process by run.ts so the load generator does not share a thread:
//   baseline <db>     — a bare node:http server doing one prepared INSERT per request, same SQLite settings
//   pg-baseline <url> — the same over a pg Pool (as many connections as the engine's) with one named prepared
//                       INSERT (pg's `{ name, text, values }`), on a database migrated by the engine
//   rodizio <db|url>  — the real bridge with a real pino logger writing synchronously (as to stdout) to /dev/null
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createBridge } from '../../src/main.js';
// The baseline is plain SQLite with the engine's own settings, so it opens the file the way the engine does.
import { openStore } from '../../src/store/open.js';
import { openDatabase } from '../../src/store/sqlite/database.js';

const [kind, dbPath] = process.argv.slice(2) as [string, string];

interface Body {
  id: string;
  reason: string;
  prompt: string;
  options: string[];
  frozen_state: string;
}

/** A bare node:http server: parse the JSON body, `insert` it, answer 201 with the id. */
function serveBare(insert: (t: Body) => unknown) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const t = JSON.parse(Buffer.concat(chunks).toString()) as Body;
      try {
        await insert(t);
      } catch {
        res.writeHead(500).end();
        return;
      }
      const body = JSON.stringify({ id: t.id });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`port=${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  return server;
}

if (kind === 'pg-baseline') {
  // The engine creates the tables (and closes); then the baseline writes to them with nothing else in the way.
  await (await openStore(dbPath)).close();
  const pool = new pg.Pool({ connectionString: dbPath, max: 10 });
  const text = `INSERT INTO tokens (id, kind, status, reason, prompt, options, severity, frozen_state, original_event,
      created_at, received_ms, runner, ext, content_hash)
     VALUES ($1, 'semaphore', 'pending', $2, $3, $4, 'info', $5, 'null', $6, $7, 'bench', '{}', '')`;
  const server = serveBare((t) =>
    pool.query({
      name: 'bench-insert',
      text,
      values: [
        t.id,
        t.reason,
        t.prompt,
        JSON.stringify(t.options),
        t.frozen_state,
        new Date().toISOString(),
        Date.now(),
      ],
    }),
  );
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
} else if (kind === 'baseline') {
  const db = openDatabase(dbPath);
  const insert = db.prepare(
    `INSERT INTO tokens (id, kind, status, reason, prompt, options, severity, frozen_state, original_event,
      created_at, received_ms, runner, ext, content_hash)
     VALUES (?, 'semaphore', 'pending', ?, ?, ?, 'info', ?, 'null', ?, ?, 'bench', '{}', '')`,
  );
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const t = JSON.parse(Buffer.concat(chunks).toString()) as {
        id: string;
        reason: string;
        prompt: string;
        options: string[];
        frozen_state: string;
      };
      insert.run(
        t.id,
        t.reason,
        t.prompt,
        JSON.stringify(t.options),
        t.frozen_state,
        new Date().toISOString(),
        Date.now(),
      );
      const body = JSON.stringify({ id: t.id });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`port=${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const bridge = await createBridge({
    logger,
    config: {
      ...loadConfig({ RODIZIO_SANDBOX: 'false', RODIZIO_PHASE_WATCH: 'false' }),
      port: 0,
      host: '127.0.0.1',
      dbPath,
      apiTokens: new Map([['bench', 'bench-secret']]),
      adminToken: 'bench-admin',
      configFile: undefined,
      logLevel: 'info',
    },
  });
  bridge.start().then((port) => process.stdout.write(`port=${port}\n`));
  process.on('SIGTERM', () => bridge.stop().then(() => process.exit(0)));
}
