import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of real data and models shared beside the repository (`../shared/data`), or the
 * folder named by REIN_SHARED_DATA. Tests that need it skip when it is absent.
 */
export function sharedDataDir(): string {
  if (process.env.REIN_SHARED_DATA) return resolve(process.env.REIN_SHARED_DATA);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  return resolve(repoRoot, '../shared/data');
}

/** Path of a shared file, or null when it is not there (callers skip with a message). */
export function sharedFile(...parts: string[]): string | null {
  const p = join(sharedDataDir(), ...parts);
  return existsSync(p) ? p : null;
}
