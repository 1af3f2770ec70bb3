/** PPO's two losses (Schulman et al. 2017), the clipped policy and value losses of step 7, with their statistics. */
import * as T from '../../tensor/index.js';
import { maskedMean, maskedMeanOf } from '../common/functional.js';

/** The log-ratio is clamped before exponentiating so one wild token cannot overflow ρ. */
export const MAX_LOG_RATIO = 20;

export interface PolicyLossStats {
  /** Fraction of response tokens whose ratio left [1−ε, 1+ε] in the direction that gets clipped. */
  clipFraction: number;
  /** ½·mean((log π − log π_old)²): a cheap, always-positive KL estimate between old and new policy. */
  approxKl: number;
}

/**
 * Clipped surrogate objective, as a loss:
 *   ρ_t = exp(log π(a_t) − log π_old(a_t)),
 *   L = mean_t max(−A_t·ρ_t, −A_t·clip(ρ_t, 1−ε, 1+ε))   over response tokens (mask = 1).
 */
export function policyLoss(
  logp: T.Tensor, // (B, T) log-probs under the current policy
  oldLogp: Float32Array, // (B, T) at rollout time
  advantages: Float32Array, // (B, T) whitened
  mask: Float32Array, // (B, T) 1 on response tokens
  clipRange: number,
): { loss: T.Tensor; stats: PolicyLossStats } {
  const shape = logp.shape;
  const logRatio = T.clamp(T.sub(logp, T.tensor(oldLogp, shape)), -MAX_LOG_RATIO, MAX_LOG_RATIO);
  const ratio = T.exp(logRatio);
  const negAdv = T.tensor(
    advantages.map((a) => -a),
    shape,
  );
  const unclipped = T.mul(negAdv, ratio);
  const clipped = T.mul(negAdv, T.clamp(ratio, 1 - clipRange, 1 + clipRange));
  const loss = maskedMean(T.maximum(unclipped, clipped), mask);

  const lr = logRatio.data;
  const clippedFlags = new Float32Array(mask.length);
  const sq = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    clippedFlags[i] = clipped.data[i] > unclipped.data[i] ? 1 : 0;
    sq[i] = 0.5 * lr[i] * lr[i];
  }
  return {
    loss,
    stats: { clipFraction: maskedMeanOf(clippedFlags, mask), approxKl: maskedMeanOf(sq, mask) },
  };
}

/**
 * Clipped value loss: 0.5 · mean_t max((V_t − R_t)², (clip(V_t, V_old,t ± ε_v) − R_t)²).
 * Clipping the value around its rollout-time estimate keeps the critic from jumping, as the policy is kept.
 */
export function valueLoss(
  values: T.Tensor, // (B, T) current value estimates
  oldValues: Float32Array, // (B, T) at rollout time
  returns: Float32Array, // (B, T) GAE returns
  mask: Float32Array,
  clipRange: number,
): { loss: T.Tensor; clipFraction: number } {
  const shape = values.shape;
  const old = T.tensor(oldValues, shape);
  const ret = T.tensor(returns, shape);
  const clippedValues = T.add(old, T.clamp(T.sub(values, old), -clipRange, clipRange));
  const unclippedErr = T.square(T.sub(values, ret));
  const clippedErr = T.square(T.sub(clippedValues, ret));
  const loss = T.scale(maskedMean(T.maximum(unclippedErr, clippedErr), mask), 0.5);
  const flags = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) flags[i] = clippedErr.data[i] > unclippedErr.data[i] ? 1 : 0;
  return { loss, clipFraction: maskedMeanOf(flags, mask) };
}
