/**
 * The KL penalty folded into each response's reward (RLOO's placement: Ahmadian et al. 2024, as in
 * TRL's RLOOTrainer), on plain arrays in the (B, L) response layout.
 */

export interface KlPenalisedRewards {
  /** r'_b = r_b − β·KL_b per response (B,): what the baseline and the advantages are computed from. */
  rewards: Float64Array;
  /** KL_b = Σ_t log π_old(a_t) − log π_ref(a_t) over response b's tokens (B,). */
  kl: Float64Array;
}

/**
 * r'_b = r_b − β·Σ_t (log π_old − log π_ref)(token t): the k1 estimate of the response's KL to the
 * reference, summed over its tokens, charged once against its sequence-level reward. The whole
 * response is one action, so its cost is one number; the leave-one-out baseline then compares
 * responses by reward and KL together, and a response that drifts further for the same score
 * gets the lower advantage. k1 (not k3) because its sum is the log-ratio of the whole response,
 * whose expectation under the policy is exactly KL(π_old ‖ π_ref). Padding adds nothing.
 */
export function klPenalisedSequenceRewards(
  scores: ArrayLike<number>, // (B,) the reward model's, no-EOS penalty included
  oldLogp: Float32Array, // (B, L) at rollout time
  refLogp: Float32Array, // (B, L) under the frozen reference
  lengths: Int32Array, // (B,) response tokens per row
  L: number,
  beta: number,
): KlPenalisedRewards {
  const B = lengths.length;
  const rewards = new Float64Array(B);
  const kl = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let t = 0; t < lengths[b]; t++) sum += oldLogp[b * L + t] - refLogp[b * L + t];
    kl[b] = sum;
    rewards[b] = scores[b] - beta * sum;
  }
  return { rewards, kl };
}
