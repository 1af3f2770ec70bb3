/** Small differentiable building blocks shared by the trainers' losses (composites of tensor ops). */
import * as T from '../../tensor/index.js';

/**
 * log σ(x), computed stably as min(x, 0) − log(1 + e^(−|x|)): never exponentiates a large positive
 * number, so it stays finite for any margin.
 */
export function logSigmoid(x: T.Tensor): T.Tensor {
  return T.sub(T.minimum(x, 0), T.log(T.addScalar(T.exp(T.neg(T.abs(x))), 1)));
}

/**
 * Σ x·mask / Σ mask: the mean over the real (mask = 1) elements. `mask` is a constant 0/1 array of
 * x's size; an all-zero mask gives 0 rather than NaN.
 */
export function maskedMean(x: T.Tensor, mask: Float32Array): T.Tensor {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  if (mask.length !== x.size)
    throw new Error(`maskedMean: x ${T.formatShape(x.shape)} and mask (${mask.length}) differ in size`);
  const m = T.tensor(mask, x.shape);
  return T.scale(T.sum(T.mul(x, m)), count > 0 ? 1 / count : 0);
}

/** The same masked mean on plain numbers (for logged statistics that need no gradient). */
export function maskedMeanOf(x: ArrayLike<number>, mask: Float32Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) {
      sum += x[i] * mask[i];
      count += mask[i];
    }
  }
  return count > 0 ? sum / count : 0;
}
