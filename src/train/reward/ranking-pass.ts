/**
 * One forward pass of a reward model over ranked candidates (every candidate a sequence of the
 * batch, each ranking's contiguous): the scores, the ranking loss over every ranking's pairs and,
 * where asked, the language-model term on the best candidates, read from the same hidden states.
 * The RM trainer and the recipes' ranked-RM loop both step on it.
 */
import type { SequenceBatch } from '../../model/padding.js';
import type { Transformer } from '../../model/transformer.js';
import * as T from '../../tensor/index.js';
import { bestAnswerNll } from './lm-regularizer.js';
import { type RankedGroup, rankingLoss } from './loss.js';

export interface RankingPass {
  /** The pass's loss: ranking loss (+ lmCoef × the language-model term); differentiable. */
  loss: T.Tensor;
  /** Every candidate's score, (N). */
  scores: T.Tensor;
  /** The language-model term's own value (unscaled), or null where it is off or has no answer. */
  lm: number | null;
}

export function rankingPass(
  rm: Transformer,
  batch: SequenceBatch,
  groups: readonly RankedGroup[],
  weights: { centerRewards?: number; lmCoef?: number } = {},
): RankingPass {
  const { centerRewards = 0, lmCoef = 0 } = weights;
  const hidden = rm.hidden(batch);
  const scores = rm.scalarAtLast(batch, hidden); // (N)
  const ranking = rankingLoss(scores, groups, centerRewards);
  // (optional) keep the trunk a language model of the preferred answers
  const lm = lmCoef > 0 ? bestAnswerNll(rm, batch, hidden, groups) : null;
  return {
    loss: lm ? T.add(ranking, T.scale(lm, lmCoef)) : ranking,
    scores,
    lm: lm ? lm.item() : null,
  };
}
