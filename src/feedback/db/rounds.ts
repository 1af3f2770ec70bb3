import { randomUUID } from 'node:crypto';
import { insertNamed, now, num } from './columns.js';
import type { SqlExecutor } from './driver.js';
import { type Round, type RoundSummary, StoreError } from './types.js';

/**
 * Rounds: creating one, finding one by id or name, and listing them with their counts of
 * prompts, assignments and submissions of each kind (what the admin page and `rein feedback
 * round list` show).
 */

/** Inserts a round; a taken name is a conflict naming it. */
export async function insertRound(
  db: SqlExecutor,
  input: { name: string; focus: string; labelersPerPrompt: number },
): Promise<Round> {
  if (!Number.isInteger(input.labelersPerPrompt) || input.labelersPerPrompt < 1) {
    throw new StoreError('invalid', 'labelers per prompt must be an integer ≥ 1', 'labelers_per_prompt');
  }
  const round: Round = {
    id: randomUUID(),
    name: input.name,
    focus: input.focus,
    labelers_per_prompt: input.labelersPerPrompt,
    created_at: now(),
  };
  await insertNamed(
    db,
    'INSERT INTO rounds (id, name, focus, labelers_per_prompt, created_at) VALUES (?, ?, ?, ?, ?)',
    [round.id, round.name, round.focus, round.labelers_per_prompt, round.created_at],
    `a round named '${input.name}' exists`,
  );
  return round;
}

/** A round by id or by name. */
export async function getRound(db: SqlExecutor, idOrName: string): Promise<Round | null> {
  const row = await db.get<Round>(
    'SELECT * FROM rounds WHERE id = ? OR name = ? ORDER BY created_at LIMIT 1',
    [idOrName, idOrName],
  );
  return row ? { ...row, labelers_per_prompt: num(row.labelers_per_prompt) } : null;
}

/** A round by id or by name; none is a not_found error naming it. */
export async function requireRound(db: SqlExecutor, idOrName: string): Promise<Round> {
  const r = await getRound(db, idOrName);
  if (!r) throw new StoreError('not_found', `no round '${idOrName}'`, 'round');
  return r;
}

/** Every round with its counts, oldest first. */
export async function listRounds(db: SqlExecutor): Promise<RoundSummary[]> {
  const rounds = await db.all<Round>('SELECT * FROM rounds ORDER BY created_at, name');
  const counts = async (sql: string) =>
    new Map(
      (await db.all<{ round_id: string; k: string; n: unknown }>(sql)).map((r) => [
        `${r.round_id}|${r.k}`,
        num(r.n),
      ]),
    );
  const prompts = await counts(
    'SELECT round_id, kind AS k, COUNT(*) AS n FROM prompts GROUP BY round_id, kind',
  );
  const assignments = await counts(
    'SELECT p.round_id, a.status AS k, COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id GROUP BY p.round_id, a.status',
  );
  const rankings = await counts(
    "SELECT p.round_id, 'all' AS k, COUNT(*) AS n FROM rankings r JOIN prompts p ON p.id = r.prompt_id GROUP BY p.round_id",
  );
  const demos = await counts(
    "SELECT p.round_id, 'all' AS k, COUNT(*) AS n FROM demonstrations d JOIN prompts p ON p.id = d.prompt_id GROUP BY p.round_id",
  );
  const ratings = await counts(
    "SELECT p.round_id, 'all' AS k, COUNT(*) AS n FROM ratings g JOIN prompts p ON p.id = g.prompt_id GROUP BY p.round_id",
  );
  // Free slots and claimed-but-pending tasks of rankings and ratings, by kind (k).
  const slots = await counts(
    "SELECT round_id, kind AS k, SUM(slots_left) AS n FROM prompts WHERE kind IN ('ranking', 'rating') GROUP BY round_id, kind",
  );
  const pending = await counts(
    `SELECT p.round_id, p.kind AS k, COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE p.kind IN ('ranking', 'rating') AND a.status = 'pending' GROUP BY p.round_id, p.kind`,
  );
  return rounds.map((r) => {
    const g = (m: Map<string, number>, k: string) => m.get(`${r.id}|${k}`) ?? 0;
    return {
      ...r,
      labelers_per_prompt: num(r.labelers_per_prompt),
      prompts: g(prompts, 'ranking') + g(prompts, 'demonstration') + g(prompts, 'rating'),
      ranking_prompts: g(prompts, 'ranking'),
      demonstration_prompts: g(prompts, 'demonstration'),
      rating_prompts: g(prompts, 'rating'),
      assignments: {
        pending: g(assignments, 'pending'),
        done: g(assignments, 'done'),
        skipped: g(assignments, 'skipped'),
      },
      rankings: g(rankings, 'all'),
      demonstrations: g(demos, 'all'),
      ratings: g(ratings, 'all'),
      ranking_progress: {
        done: g(rankings, 'all'),
        total: g(rankings, 'all') + g(pending, 'ranking') + g(slots, 'ranking'),
      },
      rating_progress: {
        done: g(ratings, 'all'),
        total: g(ratings, 'all') + g(pending, 'rating') + g(slots, 'rating'),
      },
    };
  });
}
