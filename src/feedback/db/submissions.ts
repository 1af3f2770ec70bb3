import { randomUUID } from 'node:crypto';
import { CANDIDATE_FLAGS } from '../../data/labels.js';
import { gapCountProblem, orderingProblem } from '../../data/ranking.js';
import { claimable, complete, recordSkip } from './assignments.js';
import { now } from './columns.js';
import { type SqlDriver, type SqlExecutor, UniqueViolation } from './driver.js';
import {
  type RankingSubmission,
  type RatingSubmission,
  StoreError,
  type SubmissionReceipt,
  type SubmitResult,
} from './types.js';

/**
 * What a labeler sends back for a task: a ranking, a rating, a skip or a demonstration. Each is checked,
 * stored and completes its assignment in one transaction, and is idempotent on the client's
 * submission id: a retry of a stored submission returns the stored receipt (replayed) and writes
 * nothing.
 */

const KNOWN_FLAGS = new Set<string>(CANDIDATE_FLAGS);

/** The columns of a stored ranking, rating, skip or demonstration that make its receipt. */
interface SubmissionRow {
  id: string;
  submission_id: string;
  assignment_id: string | null;
  labeler_id: string;
  created_at: string;
}

/** Stores a ranking and completes its assignment in one transaction. */
export function submitRanking(db: SqlDriver, s: RankingSubmission): Promise<SubmitResult> {
  return idempotent(db, 'rankings', 'ranking', s.submissionId, s.assignmentId, s.labelerId, async (tx) => {
    const a = await claimable(tx, s.assignmentId, s.labelerId, 'ranking');
    const cands = await tx.all<{ id: string; ext_id: string }>(
      'SELECT id, ext_id FROM candidates WHERE prompt_id = ?',
      [a.prompt_id],
    );
    const problem = orderingProblem(
      cands.map((c) => c.id),
      s.ordering,
    );
    if (problem) throw new StoreError('invalid', problem, 'ordering');
    const gapsProblem = s.gaps && gapCountProblem(s.gaps, s.ordering.length);
    if (gapsProblem) throw new StoreError('invalid', gapsProblem, 'gaps');
    const ext = new Map(cands.map((c) => [c.id, c.ext_id]));
    const flags: Record<string, string[]> = {};
    for (const [cid, list] of Object.entries(s.flags)) {
      if (!ext.has(cid)) throw new StoreError('invalid', `no candidate '${cid}'`, `flags.${cid}`);
      for (const f of list)
        if (!KNOWN_FLAGS.has(f)) throw new StoreError('invalid', `unknown flag '${f}'`, `flags.${cid}`);
      if (list.length > 0) flags[ext.get(cid)!] = [...new Set(list)];
    }
    const ordering = s.ordering.map((tier) => tier.map((cid) => ext.get(cid)!));
    const receipt = newReceipt(s, 'ranking');
    await tx.run(
      `INSERT INTO rankings (id, submission_id, assignment_id, prompt_id, labeler_id, ordering, gaps, flags, note, time_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        receipt.id,
        s.submissionId,
        s.assignmentId,
        a.prompt_id,
        s.labelerId,
        JSON.stringify(ordering),
        s.gaps ? JSON.stringify(s.gaps) : null,
        JSON.stringify(flags),
        s.note ?? null,
        s.timeMs == null ? null : Math.round(s.timeMs),
        receipt.created_at,
      ],
    );
    await complete(tx, s.assignmentId, 'done', receipt.created_at);
    return receipt;
  });
}

/** Stores a thumbs up or down on a rating task's one answer and completes its assignment in one transaction. */
export function submitRating(db: SqlDriver, s: RatingSubmission): Promise<SubmitResult> {
  return idempotent(db, 'ratings', 'rating', s.submissionId, s.assignmentId, s.labelerId, async (tx) => {
    const a = await claimable(tx, s.assignmentId, s.labelerId, 'rating');
    if (typeof s.label !== 'boolean')
      throw new StoreError('invalid', 'label must be true (a good answer) or false (a bad one)', 'label');
    for (const f of s.flags)
      if (!KNOWN_FLAGS.has(f)) throw new StoreError('invalid', `unknown flag '${f}'`, 'flags');
    const candidate = await tx.get<{ id: string }>('SELECT id FROM candidates WHERE prompt_id = ?', [
      a.prompt_id,
    ]);
    const receipt = newReceipt(s, 'rating');
    await tx.run(
      `INSERT INTO ratings (id, submission_id, assignment_id, prompt_id, candidate_id, labeler_id, label, flags, note, time_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        receipt.id,
        s.submissionId,
        s.assignmentId,
        a.prompt_id,
        candidate!.id,
        s.labelerId,
        s.label ? 1 : 0,
        JSON.stringify([...new Set(s.flags)]),
        s.note ?? null,
        s.timeMs == null ? null : Math.round(s.timeMs),
        receipt.created_at,
      ],
    );
    await complete(tx, s.assignmentId, 'done', receipt.created_at);
    return receipt;
  });
}

/** Skips a task; the prompt's slot goes back so another labeler gets it. */
export function submitSkip(
  db: SqlDriver,
  s: { labelerId: string; assignmentId: string; submissionId: string; reason?: string },
): Promise<SubmitResult> {
  return idempotent(db, 'skips', 'skip', s.submissionId, s.assignmentId, s.labelerId, async (tx) => {
    const a = await claimable(tx, s.assignmentId, s.labelerId, null);
    const receipt = newReceipt(s, 'skip');
    await recordSkip(tx, {
      id: receipt.id,
      submissionId: s.submissionId,
      assignmentId: s.assignmentId,
      labelerId: s.labelerId,
      promptId: a.prompt_id,
      reason: s.reason ?? null,
      at: receipt.created_at,
    });
    await complete(tx, s.assignmentId, 'skipped', receipt.created_at);
    return receipt;
  });
}

/** Stores a written ideal answer for a demonstration task. */
export function submitDemonstration(
  db: SqlDriver,
  s: { labelerId: string; assignmentId: string; submissionId: string; response: string; timeMs?: number },
): Promise<SubmitResult> {
  return idempotent(
    db,
    'demonstrations',
    'demonstration',
    s.submissionId,
    s.assignmentId,
    s.labelerId,
    async (tx) => {
      const a = await claimable(tx, s.assignmentId, s.labelerId, 'demonstration');
      if (s.response.trim() === '') throw new StoreError('invalid', 'the answer is empty', 'response');
      const receipt = newReceipt(s, 'demonstration');
      await tx.run(
        `INSERT INTO demonstrations (id, submission_id, assignment_id, prompt_id, labeler_id, response, time_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          receipt.id,
          s.submissionId,
          s.assignmentId,
          a.prompt_id,
          s.labelerId,
          s.response,
          s.timeMs == null ? null : Math.round(s.timeMs),
          receipt.created_at,
        ],
      );
      await complete(tx, s.assignmentId, 'done', receipt.created_at);
      return receipt;
    },
  );
}

/** The receipt of a submission about to be stored: its row is written with this id and time. */
function newReceipt(
  s: { submissionId: string; assignmentId: string },
  kind: SubmissionReceipt['kind'],
): SubmissionReceipt {
  return {
    id: randomUUID(),
    submission_id: s.submissionId,
    assignment_id: s.assignmentId,
    kind,
    created_at: now(),
  };
}

/**
 * The idempotency wrapper shared by the four submissions. Looks the submission id up
 * inside the transaction (a retry after a stored commit); if two copies race, the
 * unique index refuses the second, which then reads and returns the first's receipt.
 */
async function idempotent(
  db: SqlDriver,
  table: 'rankings' | 'ratings' | 'skips' | 'demonstrations',
  kind: SubmissionReceipt['kind'],
  submissionId: string,
  assignmentId: string,
  labelerId: string,
  write: (tx: SqlExecutor) => Promise<SubmissionReceipt>,
): Promise<SubmitResult> {
  const lookup = async (q: SqlExecutor): Promise<SubmitResult | null> => {
    const row = await q.get<SubmissionRow>(
      `SELECT id, submission_id, assignment_id, labeler_id, created_at FROM ${table} WHERE submission_id = ?`,
      [submissionId],
    );
    if (!row) return null;
    if (row.assignment_id !== assignmentId || row.labeler_id !== labelerId) {
      throw new StoreError(
        'conflict',
        `submission id '${submissionId}' was already used for another task`,
        'submission_id',
      );
    }
    const receipt: SubmissionReceipt = {
      id: row.id,
      submission_id: row.submission_id,
      assignment_id: row.assignment_id,
      kind,
      created_at: row.created_at,
    };
    return { receipt, replayed: true };
  };
  try {
    return await db.transaction(async (tx) => {
      const prior = await lookup(tx);
      if (prior) return prior;
      return { receipt: await write(tx), replayed: false };
    });
  } catch (e) {
    // A concurrent copy committed between our lookup and our write: the unique index
    // refused us, or (Postgres, read committed) we saw its finished assignment.
    // Either way the stored copy is the answer.
    if (e instanceof UniqueViolation || (e instanceof StoreError && e.code === 'conflict')) {
      const prior = await lookup(db);
      if (prior) return prior;
      if (e instanceof UniqueViolation) throw new StoreError('conflict', 'this task was already submitted');
    }
    throw e;
  }
}
