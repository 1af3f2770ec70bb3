/**
 * Does a model know the facts? Right-vs-wrong answer pairs (world/answer-pairs.ts) scored by a
 * reward model, by a policy's own likelihood of each answer, or by DPO's implicit reward. The gap
 * between the first two says whether what the trunk knows reached the reward model's head — and
 * PPO can only teach a policy the facts its reward model can check.
 */
import type { AnswerCheck } from '../eval/report/demo-report.js';
import type { Transformer } from '../model/transformer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { encodePairs, pairLogProbsNoGrad } from '../train/dpo/train.js';
import { orderedShare, scoreAnswers } from '../train/reward/score.js';
import type { AnswerPair } from '../world/answer-pairs.js';

/**
 * Per-family share of pairs whose right answer (`scores[2i]`) beats the wrong one (`scores[2i + 1]`);
 * a tie counts one half.
 */
function shareByFamily(pairs: readonly AnswerPair[], scores: ArrayLike<number>): AnswerCheck {
  const share = (family: AnswerPair['family']) =>
    orderedShare(
      scores,
      pairs.map((p) => ({ size: 2, pairs: p.family === family ? [{ winner: 0, loser: 1 }] : [] })),
    ).accuracy;
  return { fact: share('fact'), math: share('math') };
}

/** How often a reward model scores the right answer above the same sentence with a wrong value. */
export function rewardModelAnswerCheck(
  rm: Transformer,
  tok: Tokenizer,
  pairs: readonly AnswerPair[],
): AnswerCheck {
  const scores = scoreAnswers(
    rm,
    tok,
    pairs.flatMap((p) => [p.prompt, p.prompt]),
    pairs.flatMap((p) => [p.chosen, p.rejected]),
    rm.config.contextLength,
  );
  return shareByFamily(pairs, scores);
}

/**
 * How often a policy gives the right answer a higher likelihood than the same sentence gone wrong;
 * with a `reference`, how often DPO's implicit reward log π/π_ref does.
 */
export function likelihoodAnswerCheck(
  policy: Transformer,
  tok: Tokenizer,
  pairs: readonly AnswerPair[],
  reference?: Transformer,
): AnswerCheck {
  const encoded = encodePairs(tok, pairs, policy.config.contextLength);
  const logProbs = (model: Transformer) => pairLogProbsNoGrad(model, encoded, tok.padId ?? 0, 32);
  const lp = logProbs(policy);
  const ref = reference ? logProbs(reference) : null;
  return shareByFamily(
    pairs,
    pairs.flatMap((_, i) => [
      lp.chosen[i] - (ref ? ref.chosen[i] : 0),
      lp.rejected[i] - (ref ? ref.rejected[i] : 0),
    ]),
  );
}
