import { CANDIDATE_FLAGS } from '../data/labels.js';
import type { RatingRecord } from './db/types.js';

export interface RatingStats {
  ratings: number;
  /** Thumbs up among them, and their share (null with no ratings). */
  good: number;
  good_rate: number | null;
  /** Answers rated by at least two labelers (the only ones that can be compared). */
  answers: number;
  /** Pairs of labelers who rated the same answer, and how many of them gave it the same label. */
  comparisons: number;
  agreements: number;
  /** agreements / comparisons, or null when nothing could be compared. */
  rate: number | null;
  /** How often each problem was flagged on a rated answer. */
  flags: Record<string, number>;
}

/**
 * A round's ratings for the admin page: how many, how many good, and how often two labelers who
 * rated the same answer gave it the same label — the thumbs' counterpart of the rankings' pairwise
 * agreement, and as telling of how clear the round's instructions are.
 */
export function ratingStats(records: readonly RatingRecord[]): RatingStats {
  const byAnswer = new Map<string, boolean[]>();
  const flags: Record<string, number> = Object.fromEntries(CANDIDATE_FLAGS.map((f) => [f, 0]));
  let good = 0;
  for (const r of records) {
    if (r.label) good++;
    for (const f of r.flags) flags[f] = (flags[f] ?? 0) + 1;
    const key = `${r.round}\u0000${r.prompt.id}`;
    byAnswer.set(key, [...(byAnswer.get(key) ?? []), r.label]);
  }
  let answers = 0;
  let comparisons = 0;
  let agreements = 0;
  for (const labels of byAnswer.values()) {
    if (labels.length < 2) continue;
    answers++;
    for (let a = 0; a < labels.length; a++) {
      for (let b = a + 1; b < labels.length; b++) {
        comparisons++;
        if (labels[a] === labels[b]) agreements++;
      }
    }
  }
  return {
    ratings: records.length,
    good,
    good_rate: records.length > 0 ? good / records.length : null,
    answers,
    comparisons,
    agreements,
    rate: comparisons > 0 ? agreements / comparisons : null,
    flags,
  };
}
