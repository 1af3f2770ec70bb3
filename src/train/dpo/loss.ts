/** Direct preference optimisation (Rafailov et al. 2023) and its variants with a reference. */
import * as T from '../../tensor/index.js';
import { logSigmoid } from '../common/functional.js';

export const DPO_LOSS_TYPES = ['sigmoid', 'ipo', 'hinge', 'robust'] as const;

/**
 * Which preference loss, on h = (log π − log π_ref)(y_w) − (log π − log π_ref)(y_l):
 * - sigmoid (DPO): −(1−ε)·log σ(βh) − ε·log σ(−βh). ε = labelSmoothing is the share of
 *   preferences presumed flipped (conservative DPO, Mitchell 2023); ε = 0 is the paper's loss.
 * - ipo (Azar et al. 2023): (h − 1/(2β))² — regresses h to a fixed margin instead of pushing it
 *   to infinity, so a pair that is always preferred cannot drive π away from π_ref without bound.
 *   h is over whole sequences, as in the paper (TRL averages IPO's log-probs per token instead),
 *   so the margin 1/(2β) is per answer, whatever its length.
 * - hinge (SLiC-HF, Zhao et al. 2023): max(0, 1 − βh) — a pair won by a margin of 1/β gives no
 *   gradient at all.
 * - robust (rDPO, Chowdhury et al. 2024): [(1−ε)·(−log σ(βh)) − ε·(−log σ(−βh))] / (1 − 2ε), an
 *   unbiased estimate of DPO's loss on the true preferences when a share ε of the labels is
 *   flipped (conservative DPO mixes the flipped term in with the other sign, and is biased).
 */
export interface DpoVariant {
  lossType: (typeof DPO_LOSS_TYPES)[number];
  labelSmoothing: number;
}

export const PLAIN_DPO: DpoVariant = { lossType: 'sigmoid', labelSmoothing: 0 };

/**
 * The Bradley–Terry loss on margins z, with a share ε of the labels presumed flipped:
 * mean of −(1−ε)·log σ(z) − ε·log σ(−z). DPO's z is βh; SimPO's (simpo-loss.ts) its reward gap less γ.
 */
export function smoothedSigmoidLoss(z: T.Tensor, labelSmoothing: number): T.Tensor {
  const agree = T.scale(T.mean(logSigmoid(z)), -(1 - labelSmoothing));
  if (labelSmoothing === 0) return agree;
  return T.sub(agree, T.scale(T.mean(logSigmoid(T.neg(z))), labelSmoothing));
}

/** The mean loss of `v.lossType` on the pairs' h (N,). */
function preferenceLoss(h: T.Tensor, beta: number, v: DpoVariant): T.Tensor {
  const z = T.scale(h, beta);
  const eps = v.labelSmoothing;
  switch (v.lossType) {
    case 'ipo':
      return T.mean(T.square(T.addScalar(h, -1 / (2 * beta))));
    case 'hinge':
      return T.mean(T.relu(T.addScalar(T.neg(z), 1)));
    case 'robust': {
      const agree = T.scale(T.mean(logSigmoid(z)), -(1 - eps)); // (1−ε)·(−log σ(z))
      const flipped = T.scale(T.mean(logSigmoid(T.neg(z))), -eps); // ε·(−log σ(−z))
      return T.scale(T.sub(agree, flipped), 1 / (1 - 2 * eps));
    }
    case 'sigmoid':
      return smoothedSigmoidLoss(z, eps);
  }
}

/**
 * The preference loss over a batch of pairs, from sequence log-probs (summed over response
 * tokens); the reference log-probs are constants (the frozen model), so only π gets gradients.
 * Returns the mean loss and each answer's implicit reward β·(log π − log π_ref): the chosen one's
 * less the rejected one's is the pair's margin β·h (its mean rising is the sign of learning).
 */
export function dpoLoss(
  policyChosen: T.Tensor, // (N,)
  policyRejected: T.Tensor, // (N,)
  refChosen: Float32Array, // (N,)
  refRejected: Float32Array, // (N,)
  beta: number,
  v: DpoVariant = PLAIN_DPO,
): { loss: T.Tensor; chosenRewards: Float32Array; rejectedRewards: Float32Array } {
  const n = policyChosen.size;
  const refDiff = new Float32Array(n);
  for (let i = 0; i < n; i++) refDiff[i] = refChosen[i] - refRejected[i];
  const h = T.sub(T.sub(policyChosen, policyRejected), T.tensor(refDiff, [n]));
  const loss = preferenceLoss(h, beta, v);
  const implicitReward = (logp: T.Tensor, refLogp: Float32Array) =>
    Float32Array.from(logp.data, (x, i) => beta * (x - refLogp[i]));
  return {
    loss,
    chosenRewards: implicitReward(policyChosen, refChosen),
    rejectedRewards: implicitReward(policyRejected, refRejected),
  };
}
