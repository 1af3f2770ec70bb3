/**
 * The little SQL surface the feedback store needs, implemented once for SQLite and
 * once for PostgreSQL. Statements use `?` placeholders (the Postgres driver rewrites
 * them to `$n`), portable types (TEXT, INTEGER) and ISO-8601 text timestamps, so one
 * store implementation runs unchanged on both.
 */
export interface SqlExecutor {
  /** Rows of a query, as plain objects keyed by column name. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** First row or null. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | null>;
  /** A write; `changes` is the number of rows it touched. */
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
}

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction: all of its writes commit together or none do.
   * A throw inside rolls back and rethrows.
   *
   * `durable: false` lets the commit return before it reaches the disk (SQLite
   * synchronous=NORMAL for this commit, Postgres synchronous_commit=off): a power cut may
   * drop it, never corrupt anything, and the next durable commit makes it durable too.
   * Only for writes nobody has been promised (claiming a task), never for a submission.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: { durable?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** A unique constraint refused a write (normalised across both databases). */
export class UniqueViolation extends Error {
  constructor(
    message: string,
    readonly constraint: string,
  ) {
    super(message);
    this.name = 'UniqueViolation';
  }
}
