/** Direct preference optimisation (Rafailov et al. 2023). */
import * as T from '../../tensor/index.js';
import { logSigmoid } from '../common/functional.js';

/**
 * DPO loss over a batch of preference pairs, from sequence log-probs (summed over response tokens):
 *   margin = β · [(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]
 *   loss   = −mean log σ(margin)
 * The reference log-probs are constants (the frozen model), so only π gets gradients.
 * Returns the loss and the per-pair margins (their mean rising is the sign that DPO learns).
 */
export function dpoLoss(
  policyChosen: T.Tensor, // (N,)
  policyRejected: T.Tensor, // (N,)
  refChosen: Float32Array, // (N,)
  refRejected: Float32Array, // (N,)
  beta: number,
): { loss: T.Tensor; margins: Float32Array } {
  const n = policyChosen.size;
  const refDiff = new Float32Array(n);
  for (let i = 0; i < n; i++) refDiff[i] = refChosen[i] - refRejected[i];
  const logits = T.sub(T.sub(policyChosen, policyRejected), T.tensor(refDiff, [n]));
  const margins = T.scale(logits, beta);
  const loss = T.neg(T.mean(logSigmoid(margins)));
  return { loss, margins: Float32Array.from(margins.data) };
}
