/** Small differentiable building blocks shared by the trainers' losses (composites of tensor ops). */
import * as T from '../../tensor/index.js';

/**
 * log σ(x), computed stably as min(x, 0) − log(1 + e^(−|x|)): never exponentiates a large positive
 * number, so it stays finite for any margin. Its slope is σ(−x) everywhere, 1/2 at x = 0 too, where
 * both kinks meet: a pair the model cannot yet tell apart (a DPO policy equal to its reference, two
 * answers scored alike) must get half the push, not all of it. min gives x = 0 its slope 1 and
 * |x| written as max(−x, x) gives the second term −1/2 there (on ties the engine's min and max
 * pass the gradient to their first operand); T.abs would give 0 and the sum would be 1.
 */
export function logSigmoid(x: T.Tensor): T.Tensor {
  const absX = T.maximum(T.neg(x), x);
  return T.sub(T.minimum(x, 0), T.log(T.addScalar(T.exp(T.neg(absX)), 1)));
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

/**
 * log(1 − eˣ) for x ≤ 0, accurate over the whole range (Mächler 2012): near 0, 1 − eˣ cancels, so it
 * is −expm1(x) there; far below 0, eˣ vanishes beside 1, so log1p(−eˣ) keeps its last digits.
 * −ln 2 is where the two forms trade places. x = 0 gives −∞; x > 0 has no real value (NaN).
 */
export function log1mexpOf(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * log1mexpOf on a tensor, differentiable. The engine has no expm1 or log1p kernel, and composing
 * log(1 − exp(x)) in float32 loses everything for x near 0, so the value and the slope
 * d/dx = −1/expm1(−x) are computed here in float64, and the output is value + slope·(x − x̄)
 * with x̄ a detached copy of x: the difference is 0 forward, and backward sees the exact slope.
 */
export function log1mexp(x: T.Tensor): T.Tensor {
  // plain arrays: T.tensor stores them at the engine's precision (float64 under gradcheck)
  const value = Array.from(x.data, log1mexpOf);
  if (!x.requiresGrad || !T.isGradEnabled()) return T.tensor(value, x.shape);
  const slope = Array.from(x.data, (v) => -1 / Math.expm1(-v));
  const offset = T.sub(x, T.detach(x)); // zeros that carry x's gradient
  return T.add(T.tensor(value, x.shape), T.mul(offset, T.tensor(slope, x.shape)));
}
