/** The reward model's loss: a Bradley–Terry ranking loss over all pairs a ranking implies. */
import type { PreferencePair } from '../../data/ranking.js';
import * as T from '../../tensor/index.js';
import { logSigmoid } from '../common/functional.js';

/** One ranked prompt inside a batch: where its candidates' scores sit, and its (winner, loser) pairs. */
export interface RankedGroup {
  /** Index of the group's first candidate in the flat score vector. */
  offset: number;
  /** K, the number of candidates ranked (pairs index 0 … K−1). */
  candidates: number;
  /** Pairs of candidate indices within the group (winner ranked above loser; ties give none). */
  pairs: readonly PreferencePair[];
}

/**
 * InstructGPT's ranking loss. For a prompt x with K candidates ranked by a labeler,
 *   loss(x) = −1/C(K,2) · Σ_{(w,l)} log σ(r(x, y_w) − r(x, y_l)),
 * and the batch loss is the mean over prompts. A tie gives no pair and its share of 1/C(K,2) stays
 * unspent, so a ranking that tells less (ties) weighs less than one that orders every candidate.
 * Every candidate is scored once (one forward pass per completion, not per pair) and all of a
 * prompt's pairs stay in the same batch element, which InstructGPT found keeps the RM from
 * overfitting. Prompts with no pairs (all tied) contribute nothing and are not counted.
 *
 * A pair with a margin m asks for more than the right order: its term is log σ(r_w − r_l − m)
 * (Llama 2; TRL's `margin` column), so the winner must lead by about m before the pair stops pulling.
 *
 * `scores`: (N,), the scalar reward of every candidate in the batch, groups laid out contiguously.
 * `centerCoef` c > 0 adds c·(r_w + r_l)² over the same weighted pairs (see below).
 */
export function rankingLoss(scores: T.Tensor, groups: readonly RankedGroup[], centerCoef = 0): T.Tensor {
  const winners: number[] = [];
  const losers: number[] = [];
  const weights: number[] = [];
  const margins: number[] = [];
  const counted = groups.filter((g) => g.pairs.length > 0).length;
  for (const g of groups) {
    const allPairs = (g.candidates * (g.candidates - 1)) / 2;
    if (g.pairs.length > allPairs)
      throw new Error(
        `rankingLoss: ${g.pairs.length} pairs among ${g.candidates} candidates (at most ${allPairs})`,
      );
    for (const p of g.pairs) {
      winners.push(g.offset + p.winner);
      losers.push(g.offset + p.loser);
      weights.push(1 / (allPairs * counted));
      margins.push(p.margin ?? 0);
    }
  }
  if (winners.length === 0) return T.scale(T.sum(scores), 0);
  const table = T.reshape(scores, [scores.size, 1]);
  const rw = T.embedding(table, Int32Array.from(winners)); // (P, 1)
  const rl = T.embedding(table, Int32Array.from(losers)); // (P, 1)
  const w = T.tensor(Float32Array.from(weights), [weights.length, 1]);
  const lead = margins.some((m) => m !== 0)
    ? T.sub(T.sub(rw, rl), T.tensor(Float32Array.from(margins), [margins.length, 1]))
    : T.sub(rw, rl);
  const ranking = T.neg(T.sum(T.mul(logSigmoid(lead), w)));
  if (centerCoef === 0) return ranking;
  // centring (Eisenstein et al. 2023; TRL's center_rewards_coefficient): + c · (r_w + r_l)² on the
  // same pairs and weights, so a ranking's scores sit around 0 (the loss alone sees only differences)
  return T.add(ranking, T.scale(T.sum(T.mul(T.square(T.add(rw, rl)), w)), centerCoef));
}
