/**
 * The reward model's examples: one ranked prompt each, with its candidates and the pairs the
 * ranking implies. Rankings (from people or simulated labelers) and flat pairs (TRL's format,
 * the K = 2 case) both become this.
 */
import {
  type PairRecord,
  type PreferencePair,
  type RankingRecord,
  rankingPairs,
  withMargin,
} from '../../data/ranking.js';

export interface RankedPrompt {
  /** The ranking record's id, when it came from one. */
  id?: string;
  prompt: string;
  candidates: string[];
  /** (winner, loser) candidate indices, each with the margin its file gave it (if any). */
  pairs: PreferencePair[];
  /** Free-form origin (round, labeler), carried for reports. */
  round?: string;
  labeler?: string;
}

export function fromRanking(r: RankingRecord): RankedPrompt {
  return {
    id: r.id,
    prompt: r.prompt.text,
    candidates: r.candidates.map((c) => c.text),
    pairs: rankingPairs(r),
    round: r.round,
    labeler: r.labeler,
  };
}

export function fromPair(p: PairRecord): RankedPrompt {
  return {
    prompt: p.prompt,
    candidates: [p.chosen, p.rejected],
    pairs: [{ winner: 0, loser: 1, ...withMargin(p.margin) }],
  };
}
