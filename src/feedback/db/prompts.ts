import { randomUUID } from 'node:crypto';
import { now, num } from './columns.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { checkPromptInputs, defaultPromptId } from './prompt-checks.js';
import { insertRound, requireRound } from './rounds.js';
import { candidateExtId, type PromptInput, type Round, StoreError, taskKindFor } from './types.js';

/**
 * Adding prompts and their candidates to a round. What a prompt asks for follows from its number
 * of candidates (taskKindFor): none, a demonstration; one, a rating; 2–16, a ranking. A prompt
 * whose id is already in the round is skipped, so adding the same file twice adds nothing.
 * Ranking and rating imports insert their prompts here too.
 */

/** Adds prompts (with their K candidates) to a round in one transaction. */
export async function addPrompts(
  db: SqlDriver,
  roundIdOrName: string,
  prompts: readonly PromptInput[],
): Promise<{ added: number; skipped: number }> {
  const round = await requireRound(db, roundIdOrName);
  checkPromptInputs(prompts);
  return db.transaction((tx) => insertPrompts(tx, round, prompts));
}

/**
 * Creates a round and adds its prompts in one transaction, so a refused prompt leaves no empty
 * round behind to block a second try under the same name.
 */
export async function createRoundWithPrompts(
  db: SqlDriver,
  input: { name: string; focus: string; labelersPerPrompt: number },
  prompts: readonly PromptInput[],
): Promise<{ round: Round; added: number; skipped: number }> {
  checkPromptInputs(prompts);
  return db.transaction(async (tx) => {
    const round = await insertRound(tx, input);
    return { round, ...(await insertPrompts(tx, round, prompts)) };
  });
}

/** Inserts prompts into a round (inside the caller's transaction); a prompt already there is skipped. */
async function insertPrompts(
  tx: SqlExecutor,
  round: Round,
  prompts: readonly PromptInput[],
): Promise<{ added: number; skipped: number }> {
  let seq = num((await tx.get<{ s: unknown }>('SELECT MAX(seq) AS s FROM prompts'))?.s);
  let added = 0;
  for (const p of prompts) {
    const inserted = await insertPrompt(tx, round, p, ++seq, round.labelers_per_prompt);
    if (inserted) added++;
  }
  return { added, skipped: prompts.length - added };
}

/** Inserts one prompt and its candidates unless its id is already in the round; true when inserted. */
export async function insertPrompt(
  tx: SqlExecutor,
  round: Round,
  p: PromptInput,
  seq: number,
  slots: number,
): Promise<boolean> {
  const promptId = randomUUID();
  const extId = p.id ?? defaultPromptId(p);
  const kind = taskKindFor(p.candidates.length);
  // checkPromptInputs refuses these first; this guards callers that build prompts themselves
  if (kind === null) throw new StoreError('invalid', `${p.candidates.length} candidates`, 'candidates');
  const r = await tx.run(
    `INSERT INTO prompts (id, round_id, ext_id, kind, text, family, lang, seq, slots_left, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [promptId, round.id, extId, kind, p.text, p.family ?? null, p.lang ?? null, seq, slots, now()],
  );
  if (r.changes === 0) return false;
  for (let j = 0; j < p.candidates.length; j++) {
    const c = p.candidates[j];
    await tx.run(
      'INSERT INTO candidates (id, prompt_id, ext_id, position, text, source) VALUES (?, ?, ?, ?, ?, ?)',
      [randomUUID(), promptId, candidateExtId(c, j), j, c.text, c.source ?? null],
    );
  }
  return true;
}
