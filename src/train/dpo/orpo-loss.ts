/**
 * ORPO (Hong, Lee & Thorne 2024): supervised fine-tuning and preference learning in one loss, with
 * no reference model. With P(y) = exp(mean per-token log π(y|x)) and odds(y) = P/(1 − P):
 *   L = L_SFT(y_w) + λ·(−log σ(log odds(y_w) − log odds(y_l)))
 * L_SFT is the chosen answer's negative log-likelihood per token; the odds-ratio term penalises the
 * rejected answer, which plain SFT on the chosen one would also make likelier. The odds, unlike P
 * itself, grow without bound as P → 1, so the term keeps a gradient when both answers are likely.
 */
import * as T from '../../tensor/index.js';
import { log1mexp, logSigmoid } from '../common/functional.js';

/**
 * The mean log-prob is clamped to at most this. A float32 log-prob this close to 0 is rounding
 * noise (it is the difference of a logit and a log-sum-exp near it), and at 0 (every token
 * certain) the odds would be infinite; the stand-in has log odds of about 16.
 */
const CERTAIN_MEAN_LOG_PROB = -1e-7;

export interface OrpoLoss {
  /** L_SFT + λ·L_OR, the mean over the pairs. */
  loss: T.Tensor;
  /** L_SFT: the chosen answers' mean per-token negative log-likelihood. */
  sftLoss: number;
  /** L_OR: −log σ(log odds ratio), before the weight λ. */
  oddsRatioLoss: number;
  /** log odds(y_w) and log odds(y_l) per pair; their difference is the log odds ratio. */
  chosenLogOdds: Float32Array;
  rejectedLogOdds: Float32Array;
}

/** log(P/(1 − P)) for P = exp(m): m − log(1 − eᵐ), accurate for m near 0 (functional.ts). */
function logOdds(meanLogProb: T.Tensor): T.Tensor {
  const m = T.minimum(meanLogProb, CERTAIN_MEAN_LOG_PROB);
  return T.sub(m, log1mexp(m));
}

export function orpoLoss(
  meanChosen: T.Tensor, // (N,) mean per-token log π(y_w|x)
  meanRejected: T.Tensor, // (N,) mean per-token log π(y_l|x)
  lambda: number,
): OrpoLoss {
  const chosen = logOdds(meanChosen);
  const rejected = logOdds(meanRejected);
  const sft = T.neg(T.mean(meanChosen));
  const oddsRatio = T.neg(T.mean(logSigmoid(T.sub(chosen, rejected))));
  return {
    loss: T.add(sft, T.scale(oddsRatio, lambda)),
    sftLoss: sft.item(),
    oddsRatioLoss: oddsRatio.item(),
    chosenLogOdds: Float32Array.from(chosen.data),
    rejectedLogOdds: Float32Array.from(rejected.data),
  };
}
