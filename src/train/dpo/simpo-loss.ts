/**
 * SimPO (Meng, Xia & Chen 2024): a preference loss without a reference model. An answer's reward
 * is its length-normalised log-likelihood, r(y) = (β/|y|)·log π(y|x) — the quantity that also ranks
 * answers when the model generates, and one a long answer cannot raise by being long. The loss asks
 * the chosen answer to beat the rejected one by at least a target margin γ:
 * −log σ(r_w − r_l − γ), with label smoothing ε as in conservative DPO (loss.ts). On summed
 * log-likelihoods with γ = 0 the same loss is CPO's preference term (objective.ts).
 */
import * as T from '../../tensor/index.js';
import { smoothedSigmoidLoss } from './loss.js';

export interface SimpoLoss {
  /** Mean over the pairs. */
  loss: T.Tensor;
  /** r(y_w) and r(y_l) per pair: β times the log-likelihood given (SimPO: the mean per token). */
  chosenRewards: Float32Array;
  rejectedRewards: Float32Array;
}

export function simpoLoss(
  meanChosen: T.Tensor, // (N,) mean per-token log π(y_w|x) (CPO: summed)
  meanRejected: T.Tensor, // (N,) mean per-token log π(y_l|x) (CPO: summed)
  beta: number,
  gamma: number,
  labelSmoothing = 0,
): SimpoLoss {
  const chosen = T.scale(meanChosen, beta);
  const rejected = T.scale(meanRejected, beta);
  const z = T.addScalar(T.sub(chosen, rejected), -gamma);
  return {
    loss: smoothedSigmoidLoss(z, labelSmoothing),
    chosenRewards: Float32Array.from(chosen.data),
    rejectedRewards: Float32Array.from(rejected.data),
  };
}
