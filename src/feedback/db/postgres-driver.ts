import pg from 'pg';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { UniqueViolation } from './driver.js';

/**
 * PostgreSQL through a `pg` pool. Each transaction holds one pooled client from BEGIN
 * to COMMIT; `?` placeholders are rewritten to `$1, $2, …` (the store's SQL never puts
 * a literal `?` inside a string).
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  constructor(url: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize });
    this.direct = PostgresDriver.executor(this.pool);
    // An idle client losing its connection (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  private static executor(q: pg.Pool | pg.PoolClient): SqlExecutor {
    const query = async (sql: string, params: readonly unknown[] = []) => {
      try {
        return await q.query(toDollar(sql), params as unknown[]);
      } catch (e) {
        const err = e as { code?: string; constraint?: string; message?: string; detail?: string };
        if (err.code === '23505') {
          throw new UniqueViolation(
            `${err.message}${err.detail ? ` (${err.detail})` : ''}`,
            err.constraint ?? '',
          );
        }
        throw e;
      }
    };
    return {
      all: async <T>(sql: string, params?: readonly unknown[]) => (await query(sql, params)).rows as T[],
      get: async <T>(sql: string, params?: readonly unknown[]) =>
        ((await query(sql, params)).rows[0] as T) ?? null,
      run: async (sql: string, params?: readonly unknown[]) => ({
        changes: (await query(sql, params)).rowCount ?? 0,
      }),
    };
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | null> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (opts.durable === false) await client.query('SET LOCAL synchronous_commit TO OFF');
      const out = await fn(PostgresDriver.executor(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: do not return it to the pool
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Rewrites `?` placeholders to Postgres's numbered `$n`. */
function toDollar(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
