import { type SqlExecutor, UniqueViolation } from './driver.js';
import { StoreError } from './types.js';

/**
 * What every part of the feedback store writes and reads alike: timestamps, number columns and
 * rows with a unique name. Kept in one place so SQLite and PostgreSQL get the same values from
 * every module.
 */

/** Now as ISO-8601 text, the portable timestamp type of the schema. */
export const now = () => new Date().toISOString();

/** A number column as a number: PostgreSQL returns COUNT and SUM as text, and MAX of no rows is NULL. */
export const num = (v: unknown) => Number(v ?? 0);

/** Inserts a row whose name is unique: a taken name is a conflict on field 'name', said in `taken`. */
export async function insertNamed(
  db: SqlExecutor,
  sql: string,
  params: unknown[],
  taken: string,
): Promise<void> {
  try {
    await db.run(sql, params);
  } catch (e) {
    if (e instanceof UniqueViolation) throw new StoreError('conflict', taken, 'name');
    throw e;
  }
}
