import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { UniqueViolation } from './driver.js';

/**
 * SQLite through better-sqlite3 (synchronous calls behind the async interface).
 *
 * Durability: WAL journal with `synchronous=FULL`, so a commit is fsynced before the
 * server acknowledges it; an acknowledged ranking survives a killed process and a
 * power cut alike. (NORMAL would survive SIGKILL but could lose the last commits on a
 * power cut.) Transactions that promise nothing to anyone (claiming a task) may ask for
 * `durable: false`: NORMAL for that one commit, whose WAL frames the next FULL commit's
 * fsync then covers, halving the fsyncs per ranking.
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

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    return this.enqueue(async () => {
      const relaxed = opts.durable === false;
      if (relaxed) this.db.pragma('synchronous = NORMAL');
      try {
        this.db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(this.direct);
          this.db.exec('COMMIT');
          return out;
        } catch (e) {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
          throw e;
        }
      } finally {
        if (relaxed) this.db.pragma('synchronous = FULL');
      }
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
