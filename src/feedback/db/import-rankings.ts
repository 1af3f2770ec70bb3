import { randomUUID } from 'node:crypto';
import type { RankingRecord } from '../../data/ranking.js';
import { now, num } from './columns.js';
import { type SqlDriver, UniqueViolation } from './driver.js';
import { importedLabelerId } from './labelers.js';
import { refuseNul } from './prompt-checks.js';
import { insertPrompt } from './prompts.js';
import { requireRound } from './rounds.js';
import { type PromptInput, StoreError } from './types.js';

/**
 * Ranking records made outside the app, brought into a round: the import itself and the checks
 * that keep a re-import a no-op and refuse, by name, a record that clashes with what is stored.
 */

/**
 * Imports ranking records (from a file, OASST, HH-RLHF or the simulated labelers) into
 * a round. Each record's labeler becomes an 'imported' labeler unless a person of that
 * name exists. Re-importing the same records into the same round adds nothing
 * (`import:<round id>:<record id>` is the submission id); a record that clashes with a
 * stored ranking in any other way is refused. Imported prompts take no further labelers.
 * Records go in batches of 500, each batch one transaction.
 */
export async function importRankings(
  db: SqlDriver,
  roundIdOrName: string,
  records: readonly RankingRecord[],
): Promise<{ added: number; existing: number; prompts: number }> {
  const round = await requireRound(db, roundIdOrName);
  records.forEach((rec, i) => {
    refuseNul(rec, `ranking ${i + 1} ('${rec.id}')`);
  });
  let added = 0;
  let existing = 0;
  let prompts = 0;
  const batch = 500;
  for (let start = 0; start < records.length; start += batch) {
    await db.transaction(async (tx) => {
      let seq = num((await tx.get<{ s: unknown }>('SELECT MAX(seq) AS s FROM prompts'))?.s);
      const labelerIds = new Map<string, string>();
      for (const rec of records.slice(start, start + batch)) {
        let labelerId = labelerIds.get(rec.labeler);
        if (!labelerId) {
          labelerId = await importedLabelerId(tx, rec.labeler);
          labelerIds.set(rec.labeler, labelerId);
        }
        const input: PromptInput = {
          id: rec.prompt.id,
          text: rec.prompt.text,
          family: rec.prompt.family,
          lang: rec.prompt.lang,
          candidates: rec.candidates.map((c) => ({ id: c.id, text: c.text })),
        };
        if (await insertPrompt(tx, round, input, ++seq, 0)) prompts++;
        const p = await tx.get<{ id: string }>('SELECT id FROM prompts WHERE round_id = ? AND ext_id = ?', [
          round.id,
          rec.prompt.id,
        ]);
        const stored = await tx.all<{ ext_id: string; text: string }>(
          'SELECT ext_id, text FROM candidates WHERE prompt_id = ? ORDER BY position',
          [p!.id],
        );
        const difference = candidateDifference(stored, rec.candidates);
        if (difference) {
          throw new StoreError(
            'invalid',
            `record '${rec.id}': prompt '${rec.prompt.id}' is already in round '${round.name}' with other candidates: ${difference}`,
            'candidates',
          );
        }
        // The submission id is per round: HH-RLHF and OASST record ids are the same in every
        // copy of a file, and the same file may well feed several rounds.
        const submissionId = `import:${round.id}:${rec.id}`;
        const prior = await tx.get<{ submission_id: string }>(
          'SELECT submission_id FROM rankings WHERE prompt_id = ? AND labeler_id = ?',
          [p!.id, labelerId],
        );
        if (prior) {
          // `import:<record id>` is what imports wrote before ids were per round: a
          // re-import of such a file into its round stays a no-op.
          if (prior.submission_id === submissionId || prior.submission_id === `import:${rec.id}`) {
            existing++;
            continue;
          }
          throw new StoreError(
            'conflict',
            `record '${rec.id}': '${rec.labeler}' has already ranked prompt '${rec.prompt.id}' in round '${round.name}' (${describeSubmission(prior.submission_id)}); a labeler ranks a prompt once`,
            'labeler',
          );
        }
        // Only a repeated submission id is a repeat; any other clash must surface, not vanish.
        const r = await tx
          .run(
            `INSERT INTO rankings (id, submission_id, assignment_id, prompt_id, labeler_id, ordering, gaps, flags, note, time_ms, created_at)
               VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id) DO NOTHING`,
            [
              randomUUID(),
              submissionId,
              p!.id,
              labelerId,
              JSON.stringify(rec.ordering),
              rec.gaps ? JSON.stringify(rec.gaps) : null,
              JSON.stringify(rec.flags ?? {}),
              rec.note ?? null,
              rec.time_ms == null ? null : Math.round(rec.time_ms),
              rec.created_at ?? now(),
            ],
          )
          .catch((e: unknown) => {
            // another import stored this labeler's ranking of the prompt since the check above
            if (e instanceof UniqueViolation)
              throw new StoreError(
                'conflict',
                `record '${rec.id}': '${rec.labeler}' ranked prompt '${rec.prompt.id}' in round '${round.name}' in an import running at the same time; a labeler ranks a prompt once`,
                'labeler',
              );
            throw e;
          });
        if (r.changes === 1) added++;
        else {
          const raced = await tx.get(
            'SELECT 1 FROM rankings WHERE submission_id = ? AND prompt_id = ? AND labeler_id = ?',
            [submissionId, p!.id, labelerId],
          );
          if (raced) {
            existing++; // a concurrent import of the same record got there first
            continue;
          }
          throw new StoreError(
            'conflict',
            `record id '${rec.id}' is used by two different rankings (the second: prompt '${rec.prompt.id}', labeler '${rec.labeler}')`,
            'id',
          );
        }
      }
    });
  }
  return { added, existing, prompts };
}

/** How a record's candidates differ from those stored for its prompt, or null when they match. */
function candidateDifference(
  stored: readonly { ext_id: string; text: string }[],
  incoming: readonly { id: string; text: string }[],
): string | null {
  const byId = new Map(stored.map((s) => [s.ext_id, s.text]));
  const ids = new Set(incoming.map((c) => c.id));
  const problems = [
    ...incoming.flatMap((c) => {
      const text = byId.get(c.id);
      if (text === undefined) return [`'${c.id}' is not among the stored ones`];
      return text === c.text ? [] : [`'${c.id}' has other text`];
    }),
    ...stored.filter((s) => !ids.has(s.ext_id)).map((s) => `stored '${s.ext_id}' is missing`),
  ];
  if (problems.length === 0) return null;
  return problems.length > 3
    ? `${problems.slice(0, 3).join('; ')}; and ${problems.length - 3} more`
    : problems.join('; ');
}

/** Where a stored ranking came from, as a person reads it. */
function describeSubmission(submissionId: string): string {
  return submissionId.startsWith('import:')
    ? `imported as record '${submissionId.replace(/^import:([0-9a-f-]{36}:)?/, '')}'`
    : 'ranked in the app';
}
