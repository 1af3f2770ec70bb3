import type { Dialect, SqlDriver, SqlExecutor } from './driver.js';

/**
 * The feedback schema as an ordered list of migrations. A database records the
 * versions it has applied in `schema_migrations`; opening a store applies the missing
 * ones, each in its own transaction (DDL is transactional on both databases), so a
 * crash mid-migration leaves the previous version intact. Never edit a released
 * migration: add a new one.
 *
 * Types are kept to what both databases share: TEXT ids (random UUIDs), INTEGER
 * counters and milliseconds, ISO-8601 TEXT timestamps, JSON as TEXT.
 */
export interface Migration {
  version: number;
  name: string;
  statements: (dialect: Dialect) => string[];
  /**
   * The SQLite statements rebuild a table other tables refer to (SQLite changes a CHECK only
   * by copying the table): foreign keys are switched off around the migration, since that
   * switch is ignored inside a transaction, and checked before it commits.
   */
  rebuildsReferencedTable?: boolean;
}

/** The prompts table's columns, in order (for the copy that widens its kinds on SQLite). */
const PROMPT_COLUMNS = 'id, round_id, ext_id, kind, text, family, lang, seq, slots_left, created_at';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rounds, prompts, candidates, labelers, assignments, rankings, skips, demonstrations',
    statements: () => [
      `CREATE TABLE rounds (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        focus TEXT NOT NULL,
        labelers_per_prompt INTEGER NOT NULL CHECK (labelers_per_prompt >= 1),
        created_at TEXT NOT NULL
      )`,
      // role 'imported' names a source of imported rankings (e.g. oasst): it has no token.
      `CREATE TABLE labelers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('labeler', 'admin', 'imported')),
        token_hash TEXT UNIQUE,
        created_at TEXT NOT NULL
      )`,
      // slots_left = labelers still to be assigned (starts at the round's M; a skip gives one back).
      `CREATE TABLE prompts (
        id TEXT PRIMARY KEY,
        round_id TEXT NOT NULL REFERENCES rounds (id),
        ext_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('ranking', 'demonstration')),
        text TEXT NOT NULL,
        family TEXT,
        lang TEXT,
        seq INTEGER NOT NULL,
        slots_left INTEGER NOT NULL CHECK (slots_left >= 0),
        created_at TEXT NOT NULL,
        UNIQUE (round_id, ext_id)
      )`,
      'CREATE INDEX prompts_open ON prompts (kind, seq) WHERE slots_left > 0',
      `CREATE TABLE candidates (
        id TEXT PRIMARY KEY,
        prompt_id TEXT NOT NULL REFERENCES prompts (id),
        ext_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        source TEXT,
        UNIQUE (prompt_id, ext_id)
      )`,
      `CREATE TABLE assignments (
        id TEXT PRIMARY KEY,
        prompt_id TEXT NOT NULL REFERENCES prompts (id),
        labeler_id TEXT NOT NULL REFERENCES labelers (id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'skipped')),
        created_at TEXT NOT NULL,
        completed_at TEXT,
        UNIQUE (prompt_id, labeler_id)
      )`,
      'CREATE INDEX assignments_labeler ON assignments (labeler_id, status, created_at)',
      // submission_id is the client's idempotency key; (prompt, labeler) is unique so a
      // person (or an imported source) ranks a prompt at most once.
      `CREATE TABLE rankings (
        id TEXT PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        assignment_id TEXT UNIQUE REFERENCES assignments (id),
        prompt_id TEXT NOT NULL REFERENCES prompts (id),
        labeler_id TEXT NOT NULL REFERENCES labelers (id),
        ordering TEXT NOT NULL,
        flags TEXT NOT NULL,
        note TEXT,
        time_ms INTEGER,
        created_at TEXT NOT NULL,
        UNIQUE (prompt_id, labeler_id)
      )`,
      `CREATE TABLE skips (
        id TEXT PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        assignment_id TEXT NOT NULL UNIQUE REFERENCES assignments (id),
        labeler_id TEXT NOT NULL REFERENCES labelers (id),
        reason TEXT,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE demonstrations (
        id TEXT PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        assignment_id TEXT UNIQUE REFERENCES assignments (id),
        prompt_id TEXT NOT NULL REFERENCES prompts (id),
        labeler_id TEXT NOT NULL REFERENCES labelers (id),
        response TEXT NOT NULL,
        time_ms INTEGER,
        created_at TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'index of pending assignments by age (abandoned tasks are released)',
    statements: () => ['CREATE INDEX assignments_pending ON assignments (status, created_at)'],
  },
  {
    version: 3,
    name: 'rating tasks (one answer, thumbs up or down) and ratings',
    rebuildsReferencedTable: true,
    statements: (dialect) => [
      // A prompt with one candidate is a rating task: the kind's CHECK gains 'rating'.
      ...(dialect === 'postgres'
        ? [
            'ALTER TABLE prompts DROP CONSTRAINT prompts_kind_check',
            "ALTER TABLE prompts ADD CONSTRAINT prompts_kind_check CHECK (kind IN ('ranking', 'demonstration', 'rating'))",
          ]
        : [
            // SQLite's documented way to change a constraint: a new table, the rows copied,
            // the old one dropped and the new one renamed into its place (version 1's columns).
            `CREATE TABLE prompts_v3 (
              id TEXT PRIMARY KEY,
              round_id TEXT NOT NULL REFERENCES rounds (id),
              ext_id TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('ranking', 'demonstration', 'rating')),
              text TEXT NOT NULL,
              family TEXT,
              lang TEXT,
              seq INTEGER NOT NULL,
              slots_left INTEGER NOT NULL CHECK (slots_left >= 0),
              created_at TEXT NOT NULL,
              UNIQUE (round_id, ext_id)
            )`,
            `INSERT INTO prompts_v3 (${PROMPT_COLUMNS}) SELECT ${PROMPT_COLUMNS} FROM prompts`,
            'DROP TABLE prompts',
            'ALTER TABLE prompts_v3 RENAME TO prompts',
            'CREATE INDEX prompts_open ON prompts (kind, seq) WHERE slots_left > 0',
          ]),
      // label: 1 thumbs up, 0 down; flags: a JSON array of the problems seen in the answer.
      // As for rankings, (prompt, labeler) is unique and submission_id is the idempotency key.
      `CREATE TABLE ratings (
        id TEXT PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        assignment_id TEXT UNIQUE REFERENCES assignments (id),
        prompt_id TEXT NOT NULL REFERENCES prompts (id),
        candidate_id TEXT NOT NULL REFERENCES candidates (id),
        labeler_id TEXT NOT NULL REFERENCES labelers (id),
        label INTEGER NOT NULL CHECK (label IN (0, 1)),
        flags TEXT NOT NULL,
        note TEXT,
        time_ms INTEGER,
        created_at TEXT NOT NULL,
        UNIQUE (prompt_id, labeler_id)
      )`,
    ],
  },
  {
    version: 4,
    name: "rankings' gaps: how much better each tier is than the next (the reward model's margins)",
    // NULL: the ranking only orders; else a JSON array, one number per pair of adjacent tiers
    statements: () => ['ALTER TABLE rankings ADD COLUMN gaps TEXT'],
  },
];

/** Applies every migration the database lacks; returns the versions applied now. */
export async function migrate(
  db: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  // Two processes opening one Postgres database at once: the advisory lock, taken first in
  // every transaction here, makes the second wait, then find the table made and the version
  // applied. Even CREATE TABLE IF NOT EXISTS needs it: two at once can both pass the "not
  // exists" check and one then fails on the catalog's unique index. (SQLite's BEGIN
  // IMMEDIATE already serialises writers.)
  const lock = async (tx: SqlExecutor) => {
    if (db.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(727366)');
  };
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
  });
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const applied: number[] = [];
  for (const m of migrations) {
    const rebuild = db.dialect === 'sqlite' && m.rebuildsReferencedTable === true;
    if (rebuild) await db.run('PRAGMA foreign_keys = OFF');
    try {
      const done = await db.transaction(async (tx) => {
        await lock(tx);
        const row = await tx.get('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
        if (row) return false;
        for (const sql of m.statements(db.dialect)) await tx.run(sql);
        if (rebuild) {
          const broken = await tx.all('PRAGMA foreign_key_check');
          if (broken.length > 0)
            throw new Error(
              `migration ${m.version} would break ${broken.length} foreign key(s): ${JSON.stringify(broken[0])}`,
            );
        }
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
        return true;
      });
      if (done) applied.push(m.version);
    } finally {
      if (rebuild) await db.run('PRAGMA foreign_keys = ON');
    }
  }
  const top = await db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  if (top?.v != null && Number(top.v) > newest) {
    throw new Error(
      `database schema is at version ${top.v}, newer than this rein knows (${newest}); upgrade rein`,
    );
  }
  return applied;
}
