import { randomUUID } from 'node:crypto';
import { insertNamed, now } from './columns.js';
import type { SqlExecutor } from './driver.js';
import { type Labeler, type Role, StoreError } from './types.js';

/**
 * The people who label: adding one, replacing a token, and finding one by the hash of their
 * bearer token (the token itself is never stored). 'imported' labelers, made by ranking and rating
 * imports, cannot sign in.
 */

/** Adds a person; `tokenHash` is the hash of their bearer token. */
export async function addLabeler(
  db: SqlExecutor,
  input: { name: string; role: Role; tokenHash: string | null },
): Promise<Labeler> {
  const labeler: Labeler = { id: randomUUID(), name: input.name, role: input.role, created_at: now() };
  await insertNamed(
    db,
    'INSERT INTO labelers (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    [labeler.id, labeler.name, labeler.role, input.tokenHash, labeler.created_at],
    `a labeler named '${input.name}' exists`,
  );
  return labeler;
}

/** Replaces a person's token (the old one stops working at once). */
export async function setTokenHash(db: SqlExecutor, name: string, tokenHash: string): Promise<Labeler> {
  const r = await db.run("UPDATE labelers SET token_hash = ? WHERE name = ? AND role <> 'imported'", [
    tokenHash,
    name,
  ]);
  if (r.changes !== 1) throw new StoreError('not_found', `no labeler '${name}' who can sign in`, 'name');
  return (await db.get<Labeler>('SELECT id, name, role, created_at FROM labelers WHERE name = ?', [name]))!;
}

/** The person a token hash signs in, or null. */
export async function labelerByTokenHash(db: SqlExecutor, tokenHash: string): Promise<Labeler | null> {
  return db.get<Labeler>(
    "SELECT id, name, role, created_at FROM labelers WHERE token_hash = ? AND role <> 'imported'",
    [tokenHash],
  );
}

/** Everyone, imported labelers included, oldest first. */
export async function listLabelers(db: SqlExecutor): Promise<Labeler[]> {
  return db.all<Labeler>('SELECT id, name, role, created_at FROM labelers ORDER BY created_at, name');
}

/**
 * The id of the labeler named `name`, made as an 'imported' labeler (a data source, no token) when
 * there is none. An import running at the same time may add the same name: the first row stands.
 */
export async function importedLabelerId(tx: SqlExecutor, name: string): Promise<string> {
  await tx.run(
    "INSERT INTO labelers (id, name, role, token_hash, created_at) VALUES (?, ?, 'imported', NULL, ?) ON CONFLICT (name) DO NOTHING",
    [randomUUID(), name, now()],
  );
  return (await tx.get<{ id: string }>('SELECT id FROM labelers WHERE name = ?', [name]))!.id;
}
