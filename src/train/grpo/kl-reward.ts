/**
 * Each response's KL to the reference, and RLOO's placement of it: folded into the response's
 * reward (Ahmadian et al. 2024, as in TRL's RLOOTrainer). Plain arrays in the (B, L) response layout.
 */

/**
 * KL_b = Σ_t log π_old(a_t) − log π_ref(a_t) over response b's tokens (B,): the k1 estimate summed,
 * i.e. the log-ratio of the whole response, whose expectation under the policy is exactly
 * KL(π_old ‖ π_ref) — which is why RLOO charges k1, not k3. Padding adds nothing.
 */
export function responseKl(
  oldLogp: Float32Array, // (B, L) at rollout time
  refLogp: Float32Array, // (B, L) under the frozen reference
  lengths: Int32Array, // (B,) response tokens per row
  L: number,
): Float64Array {
  const kl = new Float64Array(lengths.length);
  for (let b = 0; b < lengths.length; b++)
    for (let t = 0; t < lengths[b]; t++) kl[b] += oldLogp[b * L + t] - refLogp[b * L + t];
  return kl;
}

/**
 * r'_b = r_b − β·KL_b: the response's KL charged once against its sequence-level reward. The whole
 * response is one action, so its cost is one number; the leave-one-out baseline then compares
 * responses by reward and KL together, and a response that drifts further for the same score
 * gets the lower advantage.
 */
export function klPenalisedSequenceRewards(
  scores: ArrayLike<number>, // (B,) the reward model's, no-EOS penalty included
  kl: Float64Array, // (B,) responseKl
  beta: number,
): Float64Array {
  return Float64Array.from(kl, (k, b) => scores[b] - beta * k);
}
