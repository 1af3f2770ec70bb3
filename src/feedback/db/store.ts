import type { BinaryFeedbackRecord } from '../../data/binary-feedback.js';
import type { RankingRecord } from '../../data/ranking.js';
import type { SqlDriver } from './driver.js';
import { listDemonstrations, listRankings, listRatings } from './export-records.js';
import { importRankings } from './import-rankings.js';
import { importRatings } from './import-ratings.js';
import { addLabeler, labelerByTokenHash, listLabelers, setTokenHash } from './labelers.js';
import { migrate } from './migrations.js';
import { addPrompts, createRoundWithPrompts } from './prompts.js';
import { getRound, insertRound, listRounds, requireRound } from './rounds.js';
import { submitDemonstration, submitRanking, submitRating, submitSkip } from './submissions.js';
import { getTask, nextTask, PROGRESS_CAP, progress } from './tasks.js';
import {
  type DemonstrationRecord,
  type Labeler,
  type LabelerProgress,
  type PromptInput,
  type RankingSubmission,
  type RatingRecord,
  type RatingSubmission,
  type Role,
  type Round,
  type RoundSummary,
  type SubmitResult,
  TASK_KINDS,
  type TaskKind,
  type TaskView,
} from './types.js';

export { PROGRESS_CAP } from './tasks.js';

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

/**
 * The feedback store: every read and write of the app, written once against the small
 * SQL driver so that SQLite and PostgreSQL behave the same. Every multi-row change runs
 * in one transaction (a ranking and its assignment's completion commit together).
 *
 * This class is the one door callers use; each concern lives in its own module, which the
 * methods below hand the driver to: rounds.ts, labelers.ts, prompts.ts (with prompt-checks.ts),
 * tasks.ts, submissions.ts (with assignments.ts), import-rankings.ts, import-ratings.ts and
 * export-records.ts.
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
    return getRound(this.db, idOrName);
  }

  async requireRound(idOrName: string): Promise<Round> {
    return requireRound(this.db, idOrName);
  }

  async listRounds(): Promise<RoundSummary[]> {
    return listRounds(this.db);
  }

  // ---- labelers -----------------------------------------------------------------

  /** Adds a person; `tokenHash` is the hash of their bearer token (the token itself is never stored). */
  async addLabeler(input: { name: string; role: Role; tokenHash: string | null }): Promise<Labeler> {
    return addLabeler(this.db, input);
  }

  /** Replaces a person's token (the old one stops working at once). */
  async setTokenHash(name: string, tokenHash: string): Promise<Labeler> {
    return setTokenHash(this.db, name, tokenHash);
  }

  async labelerByTokenHash(tokenHash: string): Promise<Labeler | null> {
    return labelerByTokenHash(this.db, tokenHash);
  }

  async listLabelers(): Promise<Labeler[]> {
    return listLabelers(this.db);
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
    return addPrompts(this.db, roundIdOrName, prompts);
  }

  /**
   * Creates a round and adds its prompts in one transaction, so a refused prompt leaves no empty
   * round behind to block a second try under the same name.
   */
  async createRoundWithPrompts(
    input: { name: string; focus: string; labelersPerPrompt: number },
    prompts: readonly PromptInput[],
  ): Promise<{ round: Round; added: number; skipped: number }> {
    return createRoundWithPrompts(this.db, input, prompts);
  }

  // ---- tasks ----------------------------------------------------------------------

  /**
   * The labeler's next task of a kind: their oldest unfinished assignment, else a new
   * one on the earliest prompt that still needs labelers and that they have not seen.
   */
  async nextTask(labelerId: string, kind: TaskKind): Promise<TaskView | null> {
    return nextTask(this.db, this.taskTimeoutMs, labelerId, kind);
  }

  /** One assignment as its owner sees it; null when it does not exist or is someone else's. */
  async getTask(assignmentId: string, labelerId: string): Promise<TaskView | null> {
    return getTask(this.db, assignmentId, labelerId);
  }

  async progress(
    labelerId: string,
    kinds: readonly TaskKind[] = TASK_KINDS,
    cap = PROGRESS_CAP,
  ): Promise<LabelerProgress[]> {
    return progress(this.db, labelerId, kinds, cap);
  }

  // ---- submissions ------------------------------------------------------------------

  /**
   * Stores a ranking and completes its assignment in one transaction. The client's
   * submission id makes this idempotent: a retry of a stored submission returns the
   * stored receipt (replayed) and writes nothing.
   */
  submitRanking(s: RankingSubmission): Promise<SubmitResult> {
    return submitRanking(this.db, s);
  }

  /** Stores a thumbs up or down on a rating task's one answer, idempotent like a ranking. */
  submitRating(s: RatingSubmission): Promise<SubmitResult> {
    return submitRating(this.db, s);
  }

  /** Skips a task; the prompt's slot goes back so another labeler gets it. */
  submitSkip(s: {
    labelerId: string;
    assignmentId: string;
    submissionId: string;
    reason?: string;
  }): Promise<SubmitResult> {
    return submitSkip(this.db, s);
  }

  /** Stores a written ideal answer for a demonstration task. */
  submitDemonstration(s: {
    labelerId: string;
    assignmentId: string;
    submissionId: string;
    response: string;
    timeMs?: number;
  }): Promise<SubmitResult> {
    return submitDemonstration(this.db, s);
  }

  // ---- import and export -------------------------------------------------------------

  /**
   * Imports ranking records (from a file, OASST, HH-RLHF or the simulated labelers) into
   * a round; re-importing the same records adds nothing (see import-rankings.ts).
   */
  async importRankings(
    roundIdOrName: string,
    records: readonly RankingRecord[],
  ): Promise<{ added: number; existing: number; prompts: number }> {
    return importRankings(this.db, roundIdOrName, records);
  }

  /**
   * Imports answers judged one at a time ({prompt, completion, label}) into a round as rating
   * prompts rated by `source`; re-importing the same records adds nothing (see import-ratings.ts).
   */
  async importRatings(
    roundIdOrName: string,
    records: readonly BinaryFeedbackRecord[],
    source: string,
  ): Promise<{ added: number; existing: number; prompts: number }> {
    return importRatings(this.db, roundIdOrName, records, source);
  }

  /** Every stored ranking as a ranking record (the schema trainers read), oldest first (ties in time: prompt order). */
  async listRankings(filter: { round?: string } = {}): Promise<RankingRecord[]> {
    return listRankings(this.db, filter);
  }

  /** Every stored rating, oldest first (ties in time: prompt order). */
  async listRatings(filter: { round?: string } = {}): Promise<RatingRecord[]> {
    return listRatings(this.db, filter);
  }

  async listDemonstrations(filter: { round?: string } = {}): Promise<DemonstrationRecord[]> {
    return listDemonstrations(this.db, filter);
  }
}
