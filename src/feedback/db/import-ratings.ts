import { randomUUID } from 'node:crypto';
import type { BinaryFeedbackRecord } from '../../data/binary-feedback.js';
import { now, num } from './columns.js';
import { type SqlDriver, UniqueViolation } from './driver.js';
import { importedLabelerId } from './labelers.js';
import { defaultPromptId, refuseNul } from './prompt-checks.js';
import { insertPrompt } from './prompts.js';
import { requireRound } from './rounds.js';
import { StoreError } from './types.js';

/**
 * Answers judged one at a time outside the app (TRL's unpaired `{prompt, completion, label}`, what
 * `rein feedback export --format unpaired` writes) brought into a round as rating prompts with
 * their ratings given, so they are exported, counted and trained on with the app's own.
 *
 * The records carry no ids and no labeler, so an answer is known by its text: its prompt's id is
 * the hash add-candidates gives a prompt with that one candidate (`p-…`), and the n-th record of
 * the same answer in a file (n ≥ 2; another rater, as TRL's datasets have) becomes its own prompt
 * `p-…-n`, since one labeler rates a prompt once. Every rating is the source labeler's, and its
 * submission id `import:<round id>:<labeler id>:<prompt id>` makes a re-import of the file a no-op
 * (the labeler is in it because two sources may rate the same answers in one round).
 */
export async function importRatings(
  db: SqlDriver,
  roundIdOrName: string,
  records: readonly BinaryFeedbackRecord[],
  source: string,
): Promise<{ added: number; existing: number; prompts: number }> {
  const round = await requireRound(db, roundIdOrName);
  records.forEach((rec, i) => {
    refuseNul(rec, `record ${i + 1}`);
  });
  const seen = new Map<string, number>();
  const promptIds = records.map((rec) => {
    const id = defaultPromptId({ text: rec.prompt, candidates: [{ text: rec.completion }] });
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n === 1 ? id : `${id}-${n}`;
  });
  let added = 0;
  let existing = 0;
  let prompts = 0;
  const batch = 500;
  for (let start = 0; start < records.length; start += batch) {
    await db.transaction(async (tx) => {
      const labelerId = await importedLabelerId(tx, source);
      let seq = num((await tx.get<{ s: unknown }>('SELECT MAX(seq) AS s FROM prompts'))?.s);
      for (let i = start; i < Math.min(records.length, start + batch); i++) {
        const rec = records[i];
        const extId = promptIds[i];
        const input = { id: extId, text: rec.prompt, candidates: [{ text: rec.completion }] };
        if (await insertPrompt(tx, round, input, ++seq, 0)) prompts++;
        const p = await tx.get<{ id: string; kind: string; text: string }>(
          'SELECT id, kind, text FROM prompts WHERE round_id = ? AND ext_id = ?',
          [round.id, extId],
        );
        const cands = await tx.all<{ id: string; text: string }>(
          'SELECT id, text FROM candidates WHERE prompt_id = ?',
          [p!.id],
        );
        if (p!.kind !== 'rating' || p!.text !== rec.prompt || cands[0]?.text !== rec.completion) {
          throw new StoreError(
            'conflict',
            `record ${i + 1}: round '${round.name}' already holds prompt '${extId}' with another prompt or answer`,
            'prompt',
          );
        }
        const submissionId = `import:${round.id}:${labelerId}:${extId}`;
        const prior = await tx.get<{ submission_id: string; label: unknown }>(
          'SELECT submission_id, label FROM ratings WHERE prompt_id = ? AND labeler_id = ?',
          [p!.id, labelerId],
        );
        if (prior) {
          if (prior.submission_id === submissionId && (num(prior.label) === 1) === rec.label) {
            existing++;
            continue;
          }
          throw new StoreError(
            'conflict',
            `record ${i + 1}: '${source}' has already rated prompt '${extId}' in round '${round.name}'${prior.submission_id === submissionId ? ' with the other label' : ''}; a labeler rates an answer once`,
            'label',
          );
        }
        // An import of the same file running at the same time may store this rating between the
        // check above and here: the same rating is a repeat, any other clash a conflict (never a 500).
        const r = await tx
          .run(
            `INSERT INTO ratings (id, submission_id, assignment_id, prompt_id, candidate_id, labeler_id, label, flags, note, time_ms, created_at)
               VALUES (?, ?, NULL, ?, ?, ?, ?, '[]', NULL, NULL, ?) ON CONFLICT (submission_id) DO NOTHING`,
            [randomUUID(), submissionId, p!.id, cands[0].id, labelerId, rec.label ? 1 : 0, now()],
          )
          .catch((e: unknown) => {
            if (e instanceof UniqueViolation)
              throw new StoreError(
                'conflict',
                `record ${i + 1}: '${source}' rated prompt '${extId}' in round '${round.name}' in an import running at the same time; a labeler rates an answer once`,
                'label',
              );
            throw e;
          });
        if (r.changes === 1) {
          added++;
          continue;
        }
        const raced = await tx.get<{ label: unknown }>(
          'SELECT label FROM ratings WHERE submission_id = ? AND prompt_id = ? AND labeler_id = ?',
          [submissionId, p!.id, labelerId],
        );
        if (raced && (num(raced.label) === 1) === rec.label) {
          existing++; // a concurrent import of the same record got there first
          continue;
        }
        throw new StoreError(
          'conflict',
          `record ${i + 1}: an import running at the same time stored prompt '${extId}' in round '${round.name}' with another rating`,
          'label',
        );
      }
    });
  }
  return { added, existing, prompts };
}
