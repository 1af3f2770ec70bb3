import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PostgresDriver } from './postgres-driver.js';
import { SqliteDriver } from './sqlite-driver.js';
import { FeedbackStore, type StoreOptions } from './store.js';

/**
 * Opens the feedback store a `--db` value names and migrates it:
 * `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:FILE`, a plain file path or
 * `:memory:` → SQLite (the embedded default; the file's folder is created).
 */
export async function openStore(
  url: string,
  opts: { poolSize?: number } & StoreOptions = {},
): Promise<FeedbackStore> {
  if (/^postgres(ql)?:\/\//.test(url))
    return FeedbackStore.open(new PostgresDriver(url, opts.poolSize), opts);
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file === '') throw new Error(`--db '${url}': no file named`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file))
    throw new Error(`--db '${url}': unknown database (use postgres://… or a file path)`);
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  return FeedbackStore.open(new SqliteDriver(file), opts);
}

/** How a database URL is shown in logs: without its password. */
export function redactDbUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
