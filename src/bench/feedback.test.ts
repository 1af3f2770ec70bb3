import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PgCluster,
  postgresUnavailable,
  startPostgres,
} from '../feedback/test-helpers/postgres-cluster.js';
import { runFeedbackBench } from './feedback.js';

/**
 * The durability check, small: 5 labelers × 20 rankings against a real `rein serve`
 * child, SIGKILLed after 40 % and restarted while the clients retry — on SQLite and on
 * PostgreSQL. Every acknowledged ranking must be in the database exactly once.
 */
const serverCommand = {
  command: process.execPath,
  args: [
    '--import',
    fileURLToPath(new URL('../feedback/test-helpers/register-ts.mjs', import.meta.url)),
    fileURLToPath(new URL('../cli/main.ts', import.meta.url)),
  ],
};

const pgMissing = postgresUnavailable();
if (pgMissing) console.warn(`skipping the PostgreSQL kill test: ${pgMissing}`);
let cluster: PgCluster | null = null;
beforeAll(async () => {
  if (!pgMissing) cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

describe('bench feedback with a SIGKILL mid-run', () => {
  it('loses nothing and stores nothing twice on SQLite', async () => {
    const r = await runFeedbackBench({ labelers: 5, submissions: 20, kill: true, serverCommand });
    expect(r).toMatchObject({
      acknowledged: 100,
      stored: 100,
      lost: 0,
      duplicates: 0,
      partial: 0,
      kills: 1,
      db: 'sqlite',
    });
    expect(r.retries).toBeGreaterThan(0); // the kill really interrupted the clients
  });

  it.skipIf(!!pgMissing)('loses nothing and stores nothing twice on PostgreSQL', async () => {
    const db = await cluster!.freshDatabase();
    const r = await runFeedbackBench({ db, labelers: 5, submissions: 20, kill: true, serverCommand });
    expect(r).toMatchObject({
      acknowledged: 100,
      stored: 100,
      lost: 0,
      duplicates: 0,
      partial: 0,
      kills: 1,
      db: 'postgres',
    });
    expect(r.retries).toBeGreaterThan(0);
  });
});
