/**
 * A language-model term beside the ranking loss (GRM: Yang et al. 2024, "Regularizing hidden
 * states enables learning generalizable reward model for LLMs"): the next-token loss of each
 * ranking's best answers, read from the hidden states the scores come from, through the
 * unembedding the trunk was pretrained with (the RM keeps it; only the score reads the scalar head).
 * A trunk fitted to a few thousand rankings alone is free to bend to whatever tells their
 * candidates apart; asked to go on writing the answers people preferred, it keeps the features
 * its language model had, which is what a judgement of unseen prompts can rest on.
 */
import { type SequenceBatch, subsetOf } from '../../model/padding.js';
import type { Transformer } from '../../model/transformer.js';
import type * as T from '../../tensor/index.js';
import { trainedTokenNll, trainedTokens } from '../common/trained-tokens.js';
import type { RankedGroup } from './loss.js';

/**
 * The candidates a ranking puts first: each one that wins a pair and loses none (a tie at the top
 * gives several), as indices into the batch's sequences.
 */
export function bestCandidates(groups: readonly RankedGroup[]): number[] {
  const best: number[] = [];
  for (const g of groups) {
    const wins = new Set(g.pairs.map((p) => p.winner));
    for (const p of g.pairs) wins.delete(p.loser);
    for (const c of [...wins].sort((a, b) => a - b)) best.push(g.offset + c);
  }
  return best;
}

/**
 * Mean −log π of the response tokens of each ranking's best candidates under `rm`'s language-model
 * head, from `hidden` (the batch's hidden states); differentiable. Null when no ranking has a pair.
 */
export function bestAnswerNll(
  rm: Transformer,
  batch: SequenceBatch,
  hidden: T.Tensor,
  groups: readonly RankedGroup[],
): T.Tensor | null {
  const best = bestCandidates(groups);
  if (best.length === 0) return null;
  const only = subsetOf(batch, best);
  const tokens = trainedTokens(only);
  if (tokens.cells.length === 0) return null;
  return trainedTokenNll(rm, only, tokens, { reduction: 'mean', hidden });
}
