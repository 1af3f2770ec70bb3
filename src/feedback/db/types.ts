/** Rows and views of the feedback store, shared by both databases. */

export type Role = 'labeler' | 'admin' | 'imported';
export type TaskKind = 'ranking' | 'demonstration';
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
  /** K ≥ 2 candidates make a ranking task; none make a demonstration task. */
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
  kind: 'ranking' | 'skip' | 'demonstration';
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
  flags: Record<string, string[]>;
  note?: string;
  timeMs?: number;
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
  assignments: { pending: number; done: number; skipped: number };
  rankings: number;
  demonstrations: number;
  /**
   * Rankings only: `done` rankings (imported ones too) of `total` wanted, where total is
   * done + claimed-and-pending + slots still free. Assignments alone cannot say this: they
   * include demonstrations, and imported rankings have none.
   */
  ranking_progress: { done: number; total: number };
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
