import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { UniqueViolation } from './driver.js';

/**
 * SQLite through better-sqlite3 (synchronous calls behind the async interface).
 *
 * Durability: WAL journal with `synchronous=FULL`, so a commit is fsynced before the
 * server acknowledges it; an acknowledged ranking survives a killed process and a
 * power cut alike. (NORMAL would survive SIGKILL but could lose the last commits on a
 * power cut.) A batch made only of transactions that promise nothing to anyone
 * (claiming a task, `durable: false`) commits with NORMAL; the next FULL commit's fsync
 * then covers its WAL frames too.
 *
 * Every call goes through one promise queue: better-sqlite3 has one connection, and an
 * async transaction must not see another request's statements interleaved inside it.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  private prepare(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** The executor used inside the queue (direct, synchronous underneath). */
  private readonly direct: SqlExecutor = {
    all: async <T>(sql: string, params: readonly unknown[] = []) =>
      wrap(() => this.prepare(sql).all(...(params as unknown[])) as T[]),
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      wrap(() => (this.prepare(sql).get(...(params as unknown[])) as T | undefined) ?? null),
    run: async (sql: string, params: readonly unknown[] = []) =>
      wrap(() => ({ changes: this.prepare(sql).run(...(params as unknown[])).changes })),
  };

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.enqueue(() => this.direct.all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | null> {
    return this.enqueue(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }> {
    return this.enqueue(() => this.direct.run(sql, params));
  }

  /**
   * Transactions are group-committed: every transaction waiting when the queue reaches
   * one runs inside a single BEGIN … COMMIT, each in its own savepoint (so each stays
   * atomic on its own: a throw rolls back only its savepoint and rejects only its
   * caller), and all of them resolve only after that one COMMIT — and its one fsync —
   * succeeded. Under concurrent submissions this turns one fsync per ranking into one
   * per batch; alone, a transaction commits exactly as before.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        fn: fn as (tx: SqlExecutor) => Promise<unknown>,
        durable: opts.durable !== false,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      // Commit on the next turn of the event loop, not now: requests whose bytes arrived
      // in the same poll phase get to join this batch first.
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => {
          this.commitScheduled = false;
          void this.enqueue(() => this.commitWaiting());
        });
      }
    });
  }

  private commitScheduled = false;

  private waiting: {
    fn: (tx: SqlExecutor) => Promise<unknown>;
    durable: boolean;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }[] = [];

  private async commitWaiting(): Promise<void> {
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return; // an earlier run took them
    const relaxed = batch.every((b) => !b.durable);
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    if (relaxed) this.db.pragma('synchronous = NORMAL');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const b of batch) {
        this.db.exec('SAVEPOINT tx');
        try {
          const value = await b.fn(this.direct);
          this.db.exec('RELEASE tx');
          results.push({ ok: true, value });
        } catch (error) {
          this.db.exec('ROLLBACK TO tx');
          this.db.exec('RELEASE tx');
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (e) {
      // BEGIN or COMMIT itself failed: nothing of the batch is stored.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const b of batch) b.reject(e);
      return;
    } finally {
      if (relaxed) this.db.pragma('synchronous = FULL');
    }
    batch.forEach((b, i) => {
      const r = results[i];
      if (r.ok) b.resolve(r.value);
      else b.reject(r.error);
    });
  }

  /** Executes several statements at once (migrations only). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.enqueue(async () => {
      if (this.db.open) this.db.close();
    });
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new UniqueViolation(err.message ?? 'unique constraint', constraintName(err.message ?? ''));
    }
    throw e;
  }
}

/** SQLite names the columns ("UNIQUE constraint failed: rankings.submission_id"). */
function constraintName(message: string): string {
  const m = /constraint failed: (.*)$/.exec(message);
  return m ? m[1] : message;
}
