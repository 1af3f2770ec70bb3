import type { SqlExecutor } from './driver.js';
import { StoreError, type TaskKind } from './types.js';

/**
 * The steps that end an assignment, shared by the submissions and by giving back a task that
 * timed out: checking it can still be submitted, marking it done or skipped, and recording a skip
 * (which hands the prompt's slot to another labeler). Each runs inside the caller's transaction.
 */

/** The submission id of the skip that records a task given back for lack of a submission. */
export const timeoutSubmission = (assignmentId: string) => `timeout:${assignmentId}`;

/** The assignment, checked to be the labeler's own, of the right kind, and still pending. */
export async function claimable(
  tx: SqlExecutor,
  assignmentId: string,
  labelerId: string,
  kind: TaskKind | null,
) {
  const a = await tx.get<{ labeler_id: string; status: string; prompt_id: string; kind: TaskKind }>(
    'SELECT a.labeler_id, a.status, a.prompt_id, p.kind FROM assignments a JOIN prompts p ON p.id = a.prompt_id WHERE a.id = ?',
    [assignmentId],
  );
  if (!a || a.labeler_id !== labelerId)
    throw new StoreError('not_found', `no assignment '${assignmentId}' for you`);
  if (kind && a.kind !== kind)
    throw new StoreError('invalid', `assignment '${assignmentId}' is a ${a.kind} task`);
  if (a.status !== 'pending') {
    const timedOut = await tx.get<{ reason: string }>('SELECT reason FROM skips WHERE submission_id = ?', [
      timeoutSubmission(assignmentId),
    ]);
    throw new StoreError(
      'conflict',
      timedOut
        ? `assignment '${assignmentId}' was given to another labeler (${timedOut.reason}); ask for a new task`
        : `assignment '${assignmentId}' is already ${a.status}`,
    );
  }
  return a;
}

/** Marks a pending assignment done or skipped; one no longer pending is a conflict. */
export async function complete(
  tx: SqlExecutor,
  assignmentId: string,
  status: 'done' | 'skipped',
  at: string,
): Promise<void> {
  const r = await tx.run(
    "UPDATE assignments SET status = ?, completed_at = ? WHERE id = ? AND status = 'pending'",
    [status, at, assignmentId],
  );
  if (r.changes !== 1) throw new StoreError('conflict', `assignment '${assignmentId}' is no longer pending`);
}

/** Records a skip and gives its prompt's slot back, so another labeler gets the prompt. */
export async function recordSkip(
  tx: SqlExecutor,
  k: {
    id: string;
    submissionId: string;
    assignmentId: string;
    labelerId: string;
    promptId: string;
    reason: string | null;
    at: string;
  },
): Promise<void> {
  await tx.run(
    'INSERT INTO skips (id, submission_id, assignment_id, labeler_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [k.id, k.submissionId, k.assignmentId, k.labelerId, k.reason, k.at],
  );
  await tx.run('UPDATE prompts SET slots_left = slots_left + 1 WHERE id = ?', [k.promptId]);
}
