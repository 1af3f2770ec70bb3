/**
 * GRPO's loss (Shao et al. 2024): PPO's clipped surrogate plus β times a per-token KL to the
 * reference; RLOO's is the surrogate alone.
 */
import * as T from '../../tensor/index.js';
import { maskedMean } from '../common/functional.js';
import { MAX_LOG_RATIO, type PolicyLossStats, policyLoss } from '../ppo/loss.js';
import type { LOSS_AGGREGATIONS } from './config.js';

export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

/**
 * Per-token weights (B, L) that make a masked mean (Σ w·x / Σ w) the chosen aggregation:
 * - token: 1 on every response token — the mean over all the tokens of the batch (DAPO);
 * - sequence: 1/len_b on response b's tokens — Σ w = the number of responses, so the mean of each
 *   response's token mean (the GRPO paper's 1/G Σ_i 1/|o_i| Σ_t).
 * A response without tokens weighs nothing either way.
 */
export function aggregationWeights(
  lengths: Int32Array,
  L: number,
  aggregation: LossAggregation,
): Float32Array {
  const w = new Float32Array(lengths.length * L);
  for (let b = 0; b < lengths.length; b++)
    if (lengths[b] > 0) w.fill(aggregation === 'token' ? 1 : 1 / lengths[b], b * L, b * L + lengths[b]);
  return w;
}

/**
 * Per-token k3 estimate of KL(π ‖ π_ref) (Schulman 2020), differentiable in log π:
 *   k3_t = π_ref/π − log(π_ref/π) − 1 = e^d − d − 1,   d = log π_ref(a_t) − log π(a_t).
 * Never negative, 0 where π = π_ref, and ∂k3/∂log π = 1 − π_ref/π. d is clamped as PPO clamps its
 * log-ratio, so one token the policy has all but ruled out cannot overflow e^d.
 */
export function k3Kl(logp: T.Tensor, refLogp: Float32Array): T.Tensor {
  const d = T.clamp(T.sub(T.tensor(refLogp, logp.shape), logp), -MAX_LOG_RATIO, MAX_LOG_RATIO);
  return T.sub(T.exp(d), T.addScalar(d, 1));
}

export interface GrpoLossStats extends PolicyLossStats {
  /** The clipped surrogate alone (PPO's policy loss). */
  surrogate: number;
  /** The aggregated k3 KL term before β (logged whether or not β is 0); absent without the term. */
  kl?: number;
}

/**
 * L = agg_t[ max(−A_t·ρ_t, −A_t·clip(ρ_t, 1 ± ε)) + β·k3_t ],  ρ_t = exp(log π − log π_old),
 * with `weights` (aggregationWeights) choosing the aggregation; both terms share it, as in the paper.
 * The surrogate is PPO's own (policyLoss), its statistics weighted alike. Without `refLogp` the
 * loss is the surrogate alone: the KL was charged in the rewards the advantages came from (RLOO).
 */
export function grpoLoss(
  logp: T.Tensor, // (B, L) log-probs under the current policy
  oldLogp: Float32Array, // (B, L) at rollout time
  refLogp: Float32Array | null, // (B, L) under the frozen reference; null: no KL term
  advantages: Float32Array, // (B, L) each response's group advantage on its tokens
  weights: Float32Array, // (B, L) aggregationWeights
  clipRange: number,
  beta: number,
): { loss: T.Tensor; stats: GrpoLossStats } {
  const pg = policyLoss(logp, oldLogp, advantages, weights, clipRange);
  if (refLogp === null) return { loss: pg.loss, stats: { ...pg.stats, surrogate: pg.loss.item() } };
  const kl = maskedMean(k3Kl(logp, refLogp), weights);
  const loss = beta > 0 ? T.add(pg.loss, T.scale(kl, beta)) : pg.loss;
  return { loss, stats: { ...pg.stats, surrogate: pg.loss.item(), kl: kl.item() } };
}
