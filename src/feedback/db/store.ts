import { createHash, randomUUID } from 'node:crypto';
import { CANDIDATE_FLAGS } from '../../data/labels.js';
import { orderingProblem, type RankingRecord } from '../../data/ranking.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { UniqueViolation } from './driver.js';
import { migrate } from './migrations.js';
import {
  candidateExtId,
  type DemonstrationRecord,
  type Labeler,
  type LabelerProgress,
  type PromptInput,
  type RankingSubmission,
  type Role,
  type Round,
  type RoundSummary,
  StoreError,
  type SubmissionReceipt,
  type SubmitResult,
  type TaskKind,
  type TaskView,
} from './types.js';

const now = () => new Date().toISOString();
const num = (v: unknown) => Number(v ?? 0);
const KNOWN_FLAGS = new Set<string>(CANDIDATE_FLAGS);
/** Progress counts prompts still open for a labeler up to this many (then says "more"). */
export const PROGRESS_CAP = 1000;

interface RankingRow {
  id: string;
  submission_id: string;
  assignment_id: string | null;
  labeler_id: string;
  created_at: string;
}

export interface StoreOptions {
  /** How long a claimed task waits for its submission before another labeler may get it. */
  taskTimeoutMs?: number;
}

/** 30 minutes: far longer than ranking a handful of answers takes, short enough to lose little. */
export const DEFAULT_TASK_TIMEOUT_MS = 30 * 60_000;
/**
 * One year. A longer timeout means no timeout in practice, and an unbounded one (Infinity)
 * would make the cutoff `Date.now() - timeout` an invalid date and fail every task request.
 */
export const MAX_TASK_TIMEOUT_MS = 365 * 24 * 60 * 60_000;

/** A duration as people say it: 150 ms, 45 s, 30 min. */
const span = (ms: number) =>
  ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

/** The submission id of the skip that records a task given back for lack of a submission. */
const timeoutSubmission = (assignmentId: string) => `timeout:${assignmentId}`;

/**
 * The feedback store: every read and write of the app, written once against the small
 * SQL driver so that SQLite and PostgreSQL behave the same. Every multi-row change runs
 * in one transaction (a ranking and its assignment's completion commit together).
 */
export class FeedbackStore {
  private constructor(
    readonly db: SqlDriver,
    /** A task claimed this long ago and never submitted goes back to the pool. */
    readonly taskTimeoutMs: number,
  ) {}

  /** Opens a store on a connected driver and brings its schema up to date. */
  static async open(db: SqlDriver, opts: StoreOptions = {}): Promise<FeedbackStore> {
    const timeout = opts.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    try {
      if (!(Number.isFinite(timeout) && timeout > 0 && timeout <= MAX_TASK_TIMEOUT_MS)) {
        throw new Error(
          `task timeout must be a positive number of ms up to ${MAX_TASK_TIMEOUT_MS} (one year), got ${timeout}`,
        );
      }
      await migrate(db);
    } catch (e) {
      await db.close();
      throw e;
    }
    return new FeedbackStore(db, timeout);
  }

  get dialect() {
    return this.db.dialect;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---- rounds -------------------------------------------------------------------

  async createRound(input: { name: string; focus: string; labelersPerPrompt: number }): Promise<Round> {
    return insertRound(this.db, input);
  }

  /** A round by id or by name. */
  async getRound(idOrName: string): Promise<Round | null> {
    const row = await this.db.get<Round>(
      'SELECT * FROM rounds WHERE id = ? OR name = ? ORDER BY created_at LIMIT 1',
      [idOrName, idOrName],
    );
    return row ? { ...row, labelers_per_prompt: num(row.labelers_per_prompt) } : null;
  }

  async requireRound(idOrName: string): Promise<Round> {
    const r = await this.getRound(idOrName);
    if (!r) throw new StoreError('not_found', `no round '${idOrName}'`, 'round');
    return r;
  }

  async listRounds(): Promise<RoundSummary[]> {
    const rounds = await this.db.all<Round>('SELECT * FROM rounds ORDER BY created_at, name');
    const counts = async (sql: string) =>
      new Map(
        (await this.db.all<{ round_id: string; k: string; n: unknown }>(sql)).map((r) => [
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
    const rankingSlots = await counts(
      "SELECT round_id, 'free' AS k, SUM(slots_left) AS n FROM prompts WHERE kind = 'ranking' GROUP BY round_id",
    );
    const rankingPending = await counts(
      `SELECT p.round_id, 'pending' AS k, COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE p.kind = 'ranking' AND a.status = 'pending' GROUP BY p.round_id`,
    );
    return rounds.map((r) => {
      const g = (m: Map<string, number>, k: string) => m.get(`${r.id}|${k}`) ?? 0;
      return {
        ...r,
        labelers_per_prompt: num(r.labelers_per_prompt),
        prompts: g(prompts, 'ranking') + g(prompts, 'demonstration'),
        ranking_prompts: g(prompts, 'ranking'),
        demonstration_prompts: g(prompts, 'demonstration'),
        assignments: {
          pending: g(assignments, 'pending'),
          done: g(assignments, 'done'),
          skipped: g(assignments, 'skipped'),
        },
        rankings: g(rankings, 'all'),
        demonstrations: g(demos, 'all'),
        ranking_progress: {
          done: g(rankings, 'all'),
          total: g(rankings, 'all') + g(rankingPending, 'pending') + g(rankingSlots, 'free'),
        },
      };
    });
  }

  // ---- labelers -----------------------------------------------------------------

  /** Adds a person; `tokenHash` is the hash of their bearer token (the token itself is never stored). */
  async addLabeler(input: { name: string; role: Role; tokenHash: string | null }): Promise<Labeler> {
    const labeler: Labeler = { id: randomUUID(), name: input.name, role: input.role, created_at: now() };
    await insertNamed(
      this.db,
      'INSERT INTO labelers (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      [labeler.id, labeler.name, labeler.role, input.tokenHash, labeler.created_at],
      `a labeler named '${input.name}' exists`,
    );
    return labeler;
  }

  /** Replaces a person's token (the old one stops working at once). */
  async setTokenHash(name: string, tokenHash: string): Promise<Labeler> {
    const r = await this.db.run("UPDATE labelers SET token_hash = ? WHERE name = ? AND role <> 'imported'", [
      tokenHash,
      name,
    ]);
    if (r.changes !== 1) throw new StoreError('not_found', `no labeler '${name}' who can sign in`, 'name');
    return (await this.db.get<Labeler>('SELECT id, name, role, created_at FROM labelers WHERE name = ?', [
      name,
    ]))!;
  }

  async labelerByTokenHash(tokenHash: string): Promise<Labeler | null> {
    return this.db.get<Labeler>(
      "SELECT id, name, role, created_at FROM labelers WHERE token_hash = ? AND role <> 'imported'",
      [tokenHash],
    );
  }

  async listLabelers(): Promise<Labeler[]> {
    return this.db.all<Labeler>('SELECT id, name, role, created_at FROM labelers ORDER BY created_at, name');
  }

  // ---- prompts and candidates ------------------------------------------------------

  /**
   * Adds prompts (with their K candidates) to a round in one transaction. A prompt whose
   * id is already in the round is skipped, so adding the same file twice adds nothing.
   */
  async addPrompts(
    roundIdOrName: string,
    prompts: readonly PromptInput[],
  ): Promise<{ added: number; skipped: number }> {
    const round = await this.requireRound(roundIdOrName);
    checkPromptInputs(prompts);
    return this.db.transaction((tx) => insertPrompts(tx, round, prompts));
  }

  /**
   * Creates a round and adds its prompts in one transaction, so a refused prompt leaves no empty
   * round behind to block a second try under the same name.
   */
  async createRoundWithPrompts(
    input: { name: string; focus: string; labelersPerPrompt: number },
    prompts: readonly PromptInput[],
  ): Promise<{ round: Round; added: number; skipped: number }> {
    checkPromptInputs(prompts);
    return this.db.transaction(async (tx) => {
      const round = await insertRound(tx, input);
      return { round, ...(await insertPrompts(tx, round, prompts)) };
    });
  }

  // ---- tasks ----------------------------------------------------------------------

  /**
   * The labeler's next task of a kind: their oldest unfinished assignment, else a new
   * one on the earliest prompt that still needs labelers and that they have not seen.
   * Claiming decrements the prompt's free slots with a guarded UPDATE, so a prompt never
   * goes to more than M labelers even when many ask at once.
   */
  async nextTask(labelerId: string, kind: TaskKind): Promise<TaskView | null> {
    const pending = await this.db.get<{ id: string }>(
      `SELECT a.id FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE a.labeler_id = ? AND a.status = 'pending' AND p.kind = ? ORDER BY a.created_at, a.id LIMIT 1`,
      [labelerId, kind],
    );
    if (pending) return this.getTask(pending.id, labelerId);
    await this.releaseAbandonedTasks(kind);
    // Find and claim in one transaction: SQLite runs it alone; on Postgres the chosen row
    // is locked and concurrent claimers skip locked rows (SKIP LOCKED), so fifty labelers
    // asking at once take fifty different prompts instead of racing for the first.
    // A prompt another labeler is claiming right now is skipped, not waited for; when every open
    // prompt is being claimed, the plain read below still sees them, and the claim is tried again
    // once those transactions end (one of them may leave a slot for this labeler).
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE OF p SKIP LOCKED' : '';
    const openPrompt = `SELECT p.id FROM prompts p WHERE p.kind = ? AND p.slots_left > 0
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.prompt_id = p.id AND a.labeler_id = ?)
             ORDER BY p.seq LIMIT 1`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const id = randomUUID();
      try {
        const claimed = await this.db.transaction(
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
        if (claimed === 'claimed') return this.getTask(id, labelerId);
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
  private async releaseAbandonedTasks(kind: TaskKind): Promise<void> {
    const cutoff = new Date(Date.now() - this.taskTimeoutMs).toISOString();
    const abandoned = await this.db.all<{ id: string; labeler_id: string; prompt_id: string }>(
      `SELECT a.id, a.labeler_id, a.prompt_id FROM assignments a JOIN prompts p ON p.id = a.prompt_id
       WHERE a.status = 'pending' AND p.kind = ? AND a.created_at < ? ORDER BY a.created_at LIMIT 100`,
      [kind, cutoff],
    );
    const reason = `timed out: not submitted within ${span(this.taskTimeoutMs)}`;
    for (const a of abandoned) {
      await this.db.transaction(async (tx) => {
        const at = now();
        // guarded: a submission or another release that got there first wins
        const r = await tx.run(
          "UPDATE assignments SET status = 'skipped', completed_at = ? WHERE id = ? AND status = 'pending'",
          [at, a.id],
        );
        if (r.changes !== 1) return;
        await this.recordSkip(tx, {
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
  async getTask(assignmentId: string, labelerId: string): Promise<TaskView | null> {
    const row = await this.db.get<{
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
    const candidates = await this.db.all<{ id: string; ext_id: string; text: string }>(
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

  async progress(
    labelerId: string,
    kinds: readonly TaskKind[] = ['ranking', 'demonstration'],
    cap = PROGRESS_CAP,
  ): Promise<LabelerProgress[]> {
    const out: LabelerProgress[] = [];
    for (const kind of kinds) {
      const rows = await this.db.all<{ status: string; n: unknown }>(
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
          await this.db.get<{ n: unknown }>(
            `SELECT COUNT(*) AS n FROM assignments a JOIN prompts p ON p.id = a.prompt_id
             WHERE a.labeler_id = ? AND p.kind = ? AND p.slots_left > 0`,
            [labelerId, kind],
          )
        )?.n,
      );
      const open = num(
        (
          await this.db.get<{ n: unknown }>(
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

  // ---- submissions ------------------------------------------------------------------

  /**
   * Stores a ranking and completes its assignment in one transaction. The client's
   * submission id makes this idempotent: a retry of a stored submission returns the
   * stored receipt (replayed) and writes nothing.
   */
  submitRanking(s: RankingSubmission): Promise<SubmitResult> {
    return this.idempotent('rankings', 'ranking', s.submissionId, s.assignmentId, s.labelerId, async (tx) => {
      const a = await this.claimable(tx, s.assignmentId, s.labelerId, 'ranking');
      const cands = await tx.all<{ id: string; ext_id: string }>(
        'SELECT id, ext_id FROM candidates WHERE prompt_id = ?',
        [a.prompt_id],
      );
      const problem = orderingProblem(
        cands.map((c) => c.id),
        s.ordering,
      );
      if (problem) throw new StoreError('invalid', problem, 'ordering');
      const ext = new Map(cands.map((c) => [c.id, c.ext_id]));
      const flags: Record<string, string[]> = {};
      for (const [cid, list] of Object.entries(s.flags)) {
        if (!ext.has(cid)) throw new StoreError('invalid', `no candidate '${cid}'`, `flags.${cid}`);
        for (const f of list)
          if (!KNOWN_FLAGS.has(f)) throw new StoreError('invalid', `unknown flag '${f}'`, `flags.${cid}`);
        if (list.length > 0) flags[ext.get(cid)!] = [...new Set(list)];
      }
      const ordering = s.ordering.map((tier) => tier.map((cid) => ext.get(cid)!));
      const receipt: SubmissionReceipt = {
        id: randomUUID(),
        submission_id: s.submissionId,
        assignment_id: s.assignmentId,
        kind: 'ranking',
        created_at: now(),
      };
      await tx.run(
        `INSERT INTO rankings (id, submission_id, assignment_id, prompt_id, labeler_id, ordering, flags, note, time_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          receipt.id,
          s.submissionId,
          s.assignmentId,
          a.prompt_id,
          s.labelerId,
          JSON.stringify(ordering),
          JSON.stringify(flags),
          s.note ?? null,
          s.timeMs == null ? null : Math.round(s.timeMs),
          receipt.created_at,
        ],
      );
      await this.complete(tx, s.assignmentId, 'done', receipt.created_at);
      return receipt;
    });
  }

  /** Skips a task; the prompt's slot goes back so another labeler gets it. */
  submitSkip(s: {
    labelerId: string;
    assignmentId: string;
    submissionId: string;
    reason?: string;
  }): Promise<SubmitResult> {
    return this.idempotent('skips', 'skip', s.submissionId, s.assignmentId, s.labelerId, async (tx) => {
      const a = await this.claimable(tx, s.assignmentId, s.labelerId, null);
      const receipt: SubmissionReceipt = {
        id: randomUUID(),
        submission_id: s.submissionId,
        assignment_id: s.assignmentId,
        kind: 'skip',
        created_at: now(),
      };
      await this.recordSkip(tx, {
        id: receipt.id,
        submissionId: s.submissionId,
        assignmentId: s.assignmentId,
        labelerId: s.labelerId,
        promptId: a.prompt_id,
        reason: s.reason ?? null,
        at: receipt.created_at,
      });
      await this.complete(tx, s.assignmentId, 'skipped', receipt.created_at);
      return receipt;
    });
  }

  /** Stores a written ideal answer for a demonstration task. */
  submitDemonstration(s: {
    labelerId: string;
    assignmentId: string;
    submissionId: string;
    response: string;
    timeMs?: number;
  }): Promise<SubmitResult> {
    return this.idempotent(
      'demonstrations',
      'demonstration',
      s.submissionId,
      s.assignmentId,
      s.labelerId,
      async (tx) => {
        const a = await this.claimable(tx, s.assignmentId, s.labelerId, 'demonstration');
        if (s.response.trim() === '') throw new StoreError('invalid', 'the answer is empty', 'response');
        const receipt: SubmissionReceipt = {
          id: randomUUID(),
          submission_id: s.submissionId,
          assignment_id: s.assignmentId,
          kind: 'demonstration',
          created_at: now(),
        };
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
        await this.complete(tx, s.assignmentId, 'done', receipt.created_at);
        return receipt;
      },
    );
  }

  /**
   * The idempotency wrapper shared by the three submissions. Looks the submission id up
   * inside the transaction (a retry after a stored commit); if two copies race, the
   * unique index refuses the second, which then reads and returns the first's receipt.
   */
  private async idempotent(
    table: 'rankings' | 'skips' | 'demonstrations',
    kind: SubmissionReceipt['kind'],
    submissionId: string,
    assignmentId: string,
    labelerId: string,
    write: (tx: SqlExecutor) => Promise<SubmissionReceipt>,
  ): Promise<SubmitResult> {
    const lookup = async (q: SqlExecutor): Promise<SubmitResult | null> => {
      const row = await q.get<RankingRow>(
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
      return await this.db.transaction(async (tx) => {
        const prior = await lookup(tx);
        if (prior) return prior;
        return { receipt: await write(tx), replayed: false };
      });
    } catch (e) {
      // A concurrent copy committed between our lookup and our write: the unique index
      // refused us, or (Postgres, read committed) we saw its finished assignment.
      // Either way the stored copy is the answer.
      if (e instanceof UniqueViolation || (e instanceof StoreError && e.code === 'conflict')) {
        const prior = await lookup(this.db);
        if (prior) return prior;
        if (e instanceof UniqueViolation) throw new StoreError('conflict', 'this task was already submitted');
      }
      throw e;
    }
  }

  /** The assignment, checked to be the labeler's own, of the right kind, and still pending. */
  private async claimable(tx: SqlExecutor, assignmentId: string, labelerId: string, kind: TaskKind | null) {
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

  /** Records a skip and gives its prompt's slot back, so another labeler gets the prompt. */
  private async recordSkip(
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

  private async complete(
    tx: SqlExecutor,
    assignmentId: string,
    status: 'done' | 'skipped',
    at: string,
  ): Promise<void> {
    const r = await tx.run(
      "UPDATE assignments SET status = ?, completed_at = ? WHERE id = ? AND status = 'pending'",
      [status, at, assignmentId],
    );
    if (r.changes !== 1)
      throw new StoreError('conflict', `assignment '${assignmentId}' is no longer pending`);
  }

  // ---- import and export -------------------------------------------------------------

  /**
   * Imports ranking records (from a file, OASST, HH-RLHF or the simulated labelers) into
   * a round. Each record's labeler becomes an 'imported' labeler unless a person of that
   * name exists. Re-importing the same records into the same round adds nothing
   * (`import:<round id>:<record id>` is the submission id); a record that clashes with a
   * stored ranking in any other way is refused. Imported prompts take no further labelers.
   */
  async importRankings(
    roundIdOrName: string,
    records: readonly RankingRecord[],
  ): Promise<{ added: number; existing: number; prompts: number }> {
    const round = await this.requireRound(roundIdOrName);
    records.forEach((rec, i) => {
      refuseNul(rec, `ranking ${i + 1} ('${rec.id}')`);
    });
    let added = 0;
    let existing = 0;
    let prompts = 0;
    const batch = 500;
    for (let start = 0; start < records.length; start += batch) {
      await this.db.transaction(async (tx) => {
        let seq = num((await tx.get<{ s: unknown }>('SELECT MAX(seq) AS s FROM prompts'))?.s);
        const labelerIds = new Map<string, string>();
        for (const rec of records.slice(start, start + batch)) {
          let labelerId = labelerIds.get(rec.labeler);
          if (!labelerId) {
            // an import running at the same time may add the same name: the first one's row stands
            await tx.run(
              "INSERT INTO labelers (id, name, role, token_hash, created_at) VALUES (?, ?, 'imported', NULL, ?) ON CONFLICT (name) DO NOTHING",
              [randomUUID(), rec.labeler, now()],
            );
            const row = await tx.get<{ id: string }>('SELECT id FROM labelers WHERE name = ?', [rec.labeler]);
            labelerId = row!.id;
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
              `INSERT INTO rankings (id, submission_id, assignment_id, prompt_id, labeler_id, ordering, flags, note, time_ms, created_at)
               VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id) DO NOTHING`,
              [
                randomUUID(),
                submissionId,
                p!.id,
                labelerId,
                JSON.stringify(rec.ordering),
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

  /** Every stored ranking as a ranking record (the schema trainers read), oldest first (ties in time: prompt order). */
  async listRankings(filter: { round?: string } = {}): Promise<RankingRecord[]> {
    const round = filter.round ? await this.requireRound(filter.round) : null;
    const rows = await this.db.all<{
      id: string;
      round_name: string;
      labeler_name: string;
      prompt_id: string;
      ext_id: string;
      text: string;
      family: string | null;
      lang: string | null;
      ordering: string;
      flags: string;
      note: string | null;
      time_ms: unknown;
      created_at: string;
    }>(
      `SELECT k.id, r.name AS round_name, l.name AS labeler_name, p.id AS prompt_id, p.ext_id, p.text, p.family, p.lang,
              k.ordering, k.flags, k.note, k.time_ms, k.created_at
       FROM rankings k JOIN prompts p ON p.id = k.prompt_id JOIN rounds r ON r.id = p.round_id
       JOIN labelers l ON l.id = k.labeler_id
       ${round ? 'WHERE p.round_id = ?' : ''} ORDER BY k.created_at, p.seq, k.id`,
      round ? [round.id] : [],
    );
    const cands = await this.db.all<{ prompt_id: string; ext_id: string; text: string }>(
      `SELECT c.prompt_id, c.ext_id, c.text FROM candidates c
       ${round ? 'JOIN prompts p ON p.id = c.prompt_id WHERE p.round_id = ?' : ''} ORDER BY c.prompt_id, c.position`,
      round ? [round.id] : [],
    );
    const byPrompt = new Map<string, { id: string; text: string }[]>();
    for (const c of cands) {
      let list = byPrompt.get(c.prompt_id);
      if (!list) byPrompt.set(c.prompt_id, (list = []));
      list.push({ id: c.ext_id, text: c.text });
    }
    return rows.map((k) => {
      const rec: RankingRecord = {
        id: k.id,
        round: k.round_name,
        labeler: k.labeler_name,
        prompt: {
          id: k.ext_id,
          text: k.text,
          ...(k.family != null ? { family: k.family } : {}),
          ...(k.lang != null ? { lang: k.lang } : {}),
        },
        candidates: byPrompt.get(k.prompt_id) ?? [],
        ordering: JSON.parse(k.ordering),
        flags: JSON.parse(k.flags),
        created_at: k.created_at,
      };
      if (k.note != null) rec.note = k.note;
      if (k.time_ms != null) rec.time_ms = num(k.time_ms);
      return rec;
    });
  }

  async listDemonstrations(filter: { round?: string } = {}): Promise<DemonstrationRecord[]> {
    const round = filter.round ? await this.requireRound(filter.round) : null;
    const rows = await this.db.all<{
      id: string;
      round_name: string;
      labeler_name: string;
      ext_id: string;
      text: string;
      lang: string | null;
      response: string;
      time_ms: unknown;
      created_at: string;
    }>(
      `SELECT d.id, r.name AS round_name, l.name AS labeler_name, p.ext_id, p.text, p.lang, d.response, d.time_ms, d.created_at
       FROM demonstrations d JOIN prompts p ON p.id = d.prompt_id JOIN rounds r ON r.id = p.round_id
       JOIN labelers l ON l.id = d.labeler_id
       ${round ? 'WHERE p.round_id = ?' : ''} ORDER BY d.created_at, p.seq, d.id`,
      round ? [round.id] : [],
    );
    return rows.map((d) => ({
      id: d.id,
      round: d.round_name,
      labeler: d.labeler_name,
      prompt: { id: d.ext_id, text: d.text, ...(d.lang != null ? { lang: d.lang } : {}) },
      response: d.response,
      ...(d.time_ms != null ? { time_ms: num(d.time_ms) } : {}),
      created_at: d.created_at,
    }));
  }
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

/** Inserts one prompt and its candidates unless its id is already in the round; true when inserted. */
async function insertPrompt(
  tx: SqlExecutor,
  round: Round,
  p: PromptInput,
  seq: number,
  slots: number,
): Promise<boolean> {
  const promptId = randomUUID();
  const extId = p.id ?? defaultPromptId(p);
  const kind: TaskKind = p.candidates.length === 0 ? 'demonstration' : 'ranking';
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

/** A stable id for a prompt given without one: the hash of its text and candidates. */
function defaultPromptId(p: PromptInput): string {
  const h = createHash('sha256').update(JSON.stringify([p.text, p.candidates.map((c) => c.text)]));
  return `p-${h.digest('hex').slice(0, 16)}`;
}

/** Inserts a round; a taken name is a conflict naming it. */
async function insertRound(
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

/** Inserts a row whose name is unique: a taken name is a conflict on field 'name', said in `taken`. */
async function insertNamed(db: SqlExecutor, sql: string, params: unknown[], taken: string): Promise<void> {
  try {
    await db.run(sql, params);
  } catch (e) {
    if (e instanceof UniqueViolation) throw new StoreError('conflict', taken, 'name');
    throw e;
  }
}

/** Checks prompts before anything is written: 0 candidates (a demonstration) or 2–16, ids distinct. */
function checkPromptInputs(prompts: readonly PromptInput[]): void {
  prompts.forEach((p, i) => {
    refuseNul(p, `prompt ${p.id ? `'${p.id}'` : i + 1}`);
    const k = p.candidates.length;
    if (k === 1 || k > 16) {
      throw new StoreError(
        'invalid',
        `prompt ${i + 1}: ${k} candidates (want 0 for a demonstration, or 2–16)`,
        'candidates',
      );
    }
    const ids = p.candidates.map(candidateExtId);
    const repeated = ids.find((id, j) => ids.indexOf(id) !== j);
    if (repeated !== undefined) {
      throw new StoreError(
        'invalid',
        `prompt ${p.id ? `'${p.id}'` : i + 1}: candidate id '${repeated}' appears twice`,
        'candidates',
      );
    }
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

/** The path of the first string (value or key) in `value` holding the NUL character, or null. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.includes('\0')) return at;
      const found = nulPath(v, at);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * Refuses text holding the NUL character (\u0000) before anything is written: PostgreSQL cannot
 * store it in a text column, and refusing it on SQLite too keeps the two stores alike.
 */
function refuseNul(value: unknown, what: string): void {
  const at = nulPath(value, '');
  if (at !== null)
    throw new StoreError('invalid', `${what}: field '${at}' holds the NUL character (\\u0000)`, at);
}
