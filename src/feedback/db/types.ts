/** Rows and views of the feedback store, shared by both databases. */

export type Role = 'labeler' | 'admin' | 'imported';
/** What a prompt asks of its labeler, set by its number of candidates (see taskKindFor). */
export type TaskKind = 'ranking' | 'demonstration' | 'rating';
/** Every task kind, in the order pages and summaries list them. */
export const TASK_KINDS: readonly TaskKind[] = ['ranking', 'rating', 'demonstration'];
/** The most candidates a ranking may have. */
export const MAX_CANDIDATES = 16;

/**
 * The task a prompt with `k` candidates becomes: none, a demonstration (someone writes the ideal
 * answer); one, a rating (thumbs up or down on that answer); 2 to MAX_CANDIDATES, a ranking.
 * Null for more than that.
 */
export function taskKindFor(k: number): TaskKind | null {
  if (k === 0) return 'demonstration';
  if (k === 1) return 'rating';
  return k <= MAX_CANDIDATES ? 'ranking' : null;
}
export type AssignmentStatus = 'pending' | 'done' | 'skipped';

export interface Round {
  id: string;
  name: string;
  /** What labelers should look hard at in this round (shown above every task). */
  focus: string;
  /** M: how many distinct labelers each prompt goes to. */
  labelers_per_prompt: number;
  created_at: string;
}

export interface Labeler {
  id: string;
  name: string;
  role: Role;
  created_at: string;
}

export interface CandidateInput {
  /** Stable id from the source (kept in exports); defaults to c0, c1, … */
  id?: string;
  text: string;
  /** Which model or policy wrote it, when known. */
  source?: string;
}

/** The id a candidate is stored and exported under: its own, else c0, c1, … by position. */
export const candidateExtId = (c: CandidateInput, position: number): string => c.id ?? `c${position}`;

export interface PromptInput {
  /** Stable id from the source; defaults to a hash of the text and candidates. */
  id?: string;
  text: string;
  family?: string;
  lang?: string;
  /** 2–16 candidates make a ranking task, one a rating task, none a demonstration task. */
  candidates: CandidateInput[];
}

/** One task as its labeler sees it (candidates in stored order; the server shuffles). */
export interface TaskView {
  assignment_id: string;
  kind: TaskKind;
  status: AssignmentStatus;
  round: { id: string; name: string; focus: string };
  prompt: { key: string; id: string; text: string; family: string | null; lang: string | null };
  /** `id` is the store's opaque id (what the client sends back); `ext_id` is the export id. */
  candidates: { id: string; ext_id: string; text: string }[];
}

/** What a submission returns; a retried submission returns exactly the same. */
export interface SubmissionReceipt {
  id: string;
  submission_id: string;
  assignment_id: string;
  kind: 'ranking' | 'skip' | 'demonstration' | 'rating';
  created_at: string;
}

export interface SubmitResult {
  receipt: SubmissionReceipt;
  /** True when this submission id had already been stored (a retry). */
  replayed: boolean;
}

export interface RankingSubmission {
  labelerId: string;
  assignmentId: string;
  submissionId: string;
  /** Tiers of candidate ids (the store's opaque ids), best first. */
  ordering: string[][];
  /** How much better each tier is than the next (one per adjacent pair); absent: order only. */
  gaps?: number[];
  flags: Record<string, string[]>;
  note?: string;
  timeMs?: number;
}

export interface RatingSubmission {
  labelerId: string;
  assignmentId: string;
  submissionId: string;
  /** Thumbs up (a good answer) or down. */
  label: boolean;
  /** Problems seen in the answer (CANDIDATE_FLAGS). */
  flags: string[];
  note?: string;
  timeMs?: number;
}

/** One stored rating: a labeler's thumbs up or down on the one answer of a rating prompt. */
export interface RatingRecord {
  id: string;
  round: string;
  labeler: string;
  prompt: { id: string; text: string; family?: string; lang?: string };
  candidate: { id: string; text: string };
  label: boolean;
  flags: string[];
  note?: string;
  time_ms?: number;
  created_at: string;
}

export interface DemonstrationRecord {
  id: string;
  round: string;
  labeler: string;
  prompt: { id: string; text: string; lang?: string };
  response: string;
  time_ms?: number;
  created_at: string;
}

export interface RoundSummary extends Round {
  prompts: number;
  ranking_prompts: number;
  demonstration_prompts: number;
  rating_prompts: number;
  assignments: { pending: number; done: number; skipped: number };
  rankings: number;
  demonstrations: number;
  ratings: number;
  /**
   * Rankings only: `done` rankings (imported ones too) of `total` wanted, where total is
   * done + claimed-and-pending + slots still free. Assignments alone cannot say this: they
   * include demonstrations, and imported rankings have none.
   */
  ranking_progress: { done: number; total: number };
  /** The same for ratings: done (imported too) of done + claimed-and-pending + free slots. */
  rating_progress: { done: number; total: number };
}

export interface LabelerProgress {
  kind: TaskKind;
  done: number;
  skipped: number;
  pending: number;
  /** Prompts this labeler could still be given (at most PROGRESS_CAP)… */
  available: number;
  /** …and whether there are more than that. */
  more: boolean;
}

/** An expected refusal from the store, mapped to an HTTP status by the server. */
export class StoreError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
