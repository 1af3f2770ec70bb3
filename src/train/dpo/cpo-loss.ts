/**
 * CPO (Contrastive Preference Optimization, Xu et al. 2024; TRL's CPOTrainer): DPO's loss with the
 * reference dropped — a uniform reference cancels from the log-ratio difference — plus a behaviour-
 * cloning term on the chosen answers that keeps the policy near the data as the reference would:
 *   L = −log σ(β·(log π(y_w|x) − log π(y_l|x))) + α·NLL(y_w),
 * the log-probs summed over each answer, NLL the chosen answers' mean per-token negative
 * log-likelihood; label smoothing ε as in conservative DPO (loss.ts).
 */
import * as T from '../../tensor/index.js';
import { smoothedSigmoidLoss } from './loss.js';

export interface CpoLoss {
  /** The preference term plus α·NLL, the mean over the pairs. */
  loss: T.Tensor;
  /** −log σ(β·h) alone (its mean), and the NLL before the weight α. */
  preferenceLoss: number;
  nllLoss: number;
  /** β·log π(y_w|x) and β·log π(y_l|x) per pair: the implicit rewards whose gap is the margin. */
  chosenRewards: Float32Array;
  rejectedRewards: Float32Array;
}

export function cpoLoss(
  chosen: T.Tensor, // (N,) log π(y_w|x), summed over the answer
  rejected: T.Tensor, // (N,) log π(y_l|x)
  meanChosen: T.Tensor, // (N,) mean per-token log π(y_w|x)
  beta: number,
  alpha: number,
  labelSmoothing = 0,
): CpoLoss {
  const chosenRewards = T.scale(chosen, beta);
  const rejectedRewards = T.scale(rejected, beta);
  const preference = smoothedSigmoidLoss(T.sub(chosenRewards, rejectedRewards), labelSmoothing);
  const nll = T.neg(T.mean(meanChosen));
  return {
    loss: alpha === 0 ? preference : T.add(preference, T.scale(nll, alpha)),
    preferenceLoss: preference.item(),
    nllLoss: nll.item(),
    chosenRewards: Float32Array.from(chosenRewards.data),
    rejectedRewards: Float32Array.from(rejectedRewards.data),
  };
}
