import { randomUUID } from 'node:crypto';
import { recordSkip, timeoutSubmission } from './assignments.js';
import { now, num } from './columns.js';
import { type SqlDriver, type SqlExecutor, UniqueViolation } from './driver.js';
import { type LabelerProgress, StoreError, type TaskKind, type TaskView } from './types.js';

/**
 * Handing out tasks: a labeler's next task (claimed so a prompt never goes to more than its M
 * labelers), one task as its owner sees it, a labeler's progress, and giving back tasks claimed
 * and never submitted so that an abandoned tab does not hold a prompt forever.
 */

/** Progress counts prompts still open for a labeler up to this many (then says "more"). */
export const PROGRESS_CAP = 1000;

/** A duration as people say it: 150 ms, 45 s, 30 min. */
const span = (ms: number) =>
  ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

/**
 * The labeler's next task of a kind: their oldest unfinished assignment, else a new
 * one on the earliest prompt that still needs labelers and that they have not seen.
 * Claiming decrements the prompt's free slots with a guarded UPDATE, so a prompt never
 * goes to more than M labelers even when many ask at once. Tasks claimed more than
 * `taskTimeoutMs` ago and never submitted are given back first.
 */
export async function nextTask(
  db: SqlDriver,
  taskTimeoutMs: number,
  labelerId: string,
  kind: TaskKind,
): Promise<TaskView | null> {
  const pending = await db.get<{ id: string }>(
    `SELECT a.id FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE a.labeler_id = ? AND a.status = 'pending' AND p.kind = ? ORDER BY a.created_at, a.id LIMIT 1`,
    [labelerId, kind],
  );
  if (pending) return getTask(db, pending.id, labelerId);
  await releaseAbandonedTasks(db, taskTimeoutMs, kind);
  // Find and claim in one transaction: SQLite runs it alone; on Postgres the chosen row
  // is locked and concurrent claimers skip locked rows (SKIP LOCKED), so fifty labelers
  // asking at once take fifty different prompts instead of racing for the first.
  // A prompt another labeler is claiming right now is skipped, not waited for; when every open
  // prompt is being claimed, the plain read below still sees them, and the claim is tried again
  // once those transactions end (one of them may leave a slot for this labeler).
  const lock = db.dialect === 'postgres' ? ' FOR UPDATE OF p SKIP LOCKED' : '';
  const openPrompt = `SELECT p.id FROM prompts p WHERE p.kind = ? AND p.slots_left > 0
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.prompt_id = p.id AND a.labeler_id = ?)
             ORDER BY p.seq LIMIT 1`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const id = randomUUID();
    try {
      const claimed = await db.transaction(
        async (tx) => {
          const open = await tx.get<{ id: string }>(`${openPrompt}${lock}`, [kind, labelerId]);
          if (!open) return lock && (await tx.get(openPrompt, [kind, labelerId])) ? 'busy' : 'none';
          const r = await tx.run(
            'UPDATE prompts SET slots_left = slots_left - 1 WHERE id = ? AND slots_left > 0',
            [open.id],
          );
          if (r.changes === 0) return 'lost';
          await tx.run(
            "INSERT INTO assignments (id, prompt_id, labeler_id, status, created_at) VALUES (?, ?, ?, 'pending', ?)",
            [id, open.id, labelerId, now()],
          );
          return 'claimed';
        },
        { durable: false },
      ); // a lost claim costs nothing: the labeler is simply given a task again
      if (claimed === 'none') return null;
      if (claimed === 'claimed') return getTask(db, id, labelerId);
      if (claimed === 'busy') await new Promise((done) => setTimeout(done, 1 + (attempt % 10)));
    } catch (e) {
      if (!(e instanceof UniqueViolation)) throw e; // the same labeler claimed it in a parallel request
    }
  }
  throw new StoreError('conflict', 'too much contention claiming a task; try again');
}

/**
 * Gives back the slots of tasks claimed more than the timeout ago and never submitted (a
 * labeler who closed the tab): each becomes a skip, reason "timed out", so its prompt goes to
 * another labeler and the history says why. A late submission of such a task gets a conflict.
 */
async function releaseAbandonedTasks(db: SqlDriver, taskTimeoutMs: number, kind: TaskKind): Promise<void> {
  const cutoff = new Date(Date.now() - taskTimeoutMs).toISOString();
  const abandoned = await db.all<{ id: string; labeler_id: string; prompt_id: string }>(
    `SELECT a.id, a.labeler_id, a.prompt_id FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE a.status = 'pending' AND p.kind = ? AND a.created_at < ? ORDER BY a.created_at LIMIT 100`,
    [kind, cutoff],
  );
  const reason = `timed out: not submitted within ${span(taskTimeoutMs)}`;
  for (const a of abandoned) {
    await db.transaction(async (tx) => {
      const at = now();
      // guarded: a submission or another release that got there first wins
      const r = await tx.run(
        "UPDATE assignments SET status = 'skipped', completed_at = ? WHERE id = ? AND status = 'pending'",
        [at, a.id],
      );
      if (r.changes !== 1) return;
      await recordSkip(tx, {
        id: randomUUID(),
        submissionId: timeoutSubmission(a.id),
        assignmentId: a.id,
        labelerId: a.labeler_id,
        promptId: a.prompt_id,
        reason,
        at,
      });
    });
  }
}

/** One assignment as its owner sees it; null when it does not exist or is someone else's. */
export async function getTask(
  db: SqlExecutor,
  assignmentId: string,
  labelerId: string,
): Promise<TaskView | null> {
  const row = await db.get<{
    id: string;
    labeler_id: string;
    status: TaskView['status'];
    kind: TaskKind;
    prompt_id: string;
    ext_id: string;
    text: string;
    family: string | null;
    lang: string | null;
    round_id: string;
    round_name: string;
    focus: string;
  }>(
    `SELECT a.id, a.labeler_id, a.status, p.kind, p.id AS prompt_id, p.ext_id, p.text, p.family, p.lang,
              r.id AS round_id, r.name AS round_name, r.focus
       FROM assignments a JOIN prompts p ON p.id = a.prompt_id JOIN rounds r ON r.id = p.round_id WHERE a.id = ?`,
    [assignmentId],
  );
  if (!row || row.labeler_id !== labelerId) return null;
  const candidates = await db.all<{ id: string; ext_id: string; text: string }>(
    'SELECT id, ext_id, text FROM candidates WHERE prompt_id = ? ORDER BY position',
    [row.prompt_id],
  );
  return {
    assignment_id: row.id,
    kind: row.kind,
    status: row.status,
    round: { id: row.round_id, name: row.round_name, focus: row.focus },
    prompt: { key: row.prompt_id, id: row.ext_id, text: row.text, family: row.family, lang: row.lang },
    candidates,
  };
}

/** A labeler's done, skipped and pending tasks of each kind, and how many more they could be given. */
export async function progress(
  db: SqlExecutor,
  labelerId: string,
  kinds: readonly TaskKind[],
  cap: number,
): Promise<LabelerProgress[]> {
  const out: LabelerProgress[] = [];
  for (const kind of kinds) {
    const rows = await db.all<{ status: string; n: unknown }>(
      `SELECT a.status, COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id
         WHERE a.labeler_id = ? AND p.kind = ? GROUP BY a.status`,
      [labelerId, kind],
    );
    const by = new Map(rows.map((r) => [r.status, num(r.n)]));
    // Open prompts minus the open ones this labeler already had. The open count stops at
    // PROGRESS_CAP (+ theirs): counting every open prompt would cost a scan of the whole
    // queue on every request, and nobody needs "8,731 to go" exactly.
    const mine = num(
      (
        await db.get<{ n: unknown }>(
          `SELECT COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id
             WHERE a.labeler_id = ? AND p.kind = ? AND p.slots_left > 0`,
          [labelerId, kind],
        )
      )?.n,
    );
    const open = num(
      (
        await db.get<{ n: unknown }>(
          'SELECT COUNT(*) AS n FROM (SELECT 1 FROM prompts WHERE kind = ? AND slots_left > 0 LIMIT ?) AS open_prompts',
          [kind, mine + cap + 1],
        )
      )?.n,
    );
    out.push({
      kind,
      done: by.get('done') ?? 0,
      skipped: by.get('skipped') ?? 0,
      pending: by.get('pending') ?? 0,
      available: Math.min(open - mine, cap),
      more: open - mine > cap,
    });
  }
  return out;
}
