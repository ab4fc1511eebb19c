import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RodizioError } from '../errors.js';
import { packageRoot } from '../package-info.js';
import type { Engine } from './store.js';

/** One schema step, numbered per engine (`migrations/<engine>/NNN_name.sql`); both engines share the numbering. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations folder of an engine in the installed package: `migrations/sqlite` or `migrations/postgres`. */
export function defaultMigrationsDir(engine: Engine): string {
  return join(packageRoot(), 'migrations', engine);
}

/** Reads `NNN_name.sql` files in numeric order; numbers must run 1, 2, 3… without gaps. */
export function loadMigrations(engine: Engine, dir = defaultMigrationsDir(engine)): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return files.map((file, i) => {
    const version = Number.parseInt(file, 10);
    if (version !== i + 1) {
      throw new RodizioError('migrations_gap', `migration ${file} should be numbered ${i + 1}`);
    }
    return { version, name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') };
  });
}
