/**
 * PPO's advantage arithmetic on plain arrays (no autograd: none of this is differentiated).
 * Layout: a batch of B responses padded to T tokens, row-major (B, T); `lengths[b]` is the
 * number of real response tokens of row b (positions ≥ lengths[b] are padding and ignored).
 */

/**
 * Per-token rewards (step 4 of an iteration, train.ts): r_t = −β·KL_t on every response token, plus the reward
 * model's score on the last real token. KL_t is the per-token estimate log π(a_t) − log π_ref(a_t).
 */
export function klPenalisedRewards(
  scores: Float32Array, // (B,)
  kl: Float32Array, // (B, T)
  lengths: Int32Array, // (B,)
  beta: number,
  T: number,
): Float32Array {
  const rewards = new Float32Array(kl.length);
  for (let b = 0; b < lengths.length; b++) {
    const L = lengths[b];
    for (let t = 0; t < L; t++) rewards[b * T + t] = -beta * kl[b * T + t];
    if (L > 0) rewards[b * T + L - 1] += scores[b];
  }
  return rewards;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016), backwards over each response:
 *   δ_t = r_t + γ·V_{t+1} − V_t   (V after the last token is 0: the episode ends there)
 *   A_t = δ_t + γ·λ·A_{t+1}
 *   returns_t = A_t + V_t
 */
export function gae(
  rewards: Float32Array, // (B, T)
  values: Float32Array, // (B, T)
  lengths: Int32Array, // (B,)
  T: number,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const advantages = new Float32Array(rewards.length);
  const returns = new Float32Array(rewards.length);
  for (let b = 0; b < lengths.length; b++) {
    let next = 0; // A_{t+1}
    for (let t = lengths[b] - 1; t >= 0; t--) {
      const i = b * T + t;
      const nextValue = t + 1 < lengths[b] ? values[i + 1] : 0;
      const delta = rewards[i] + gamma * nextValue - values[i];
      next = delta + gamma * lambda * next;
      advantages[i] = next;
      returns[i] = next + values[i];
    }
  }
  return { advantages, returns };
}

/** Masked mean and variance over the real tokens (float64 sums; unbiased variance as TRL uses). */
export function maskedMoments(
  x: Float32Array,
  lengths: Int32Array,
  T: number,
): { mean: number; variance: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let b = 0; b < lengths.length; b++) {
    for (let t = 0; t < lengths[b]; t++) sum += x[b * T + t];
    count += lengths[b];
  }
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (let b = 0; b < lengths.length; b++)
    for (let t = 0; t < lengths[b]; t++) sq += (x[b * T + t] - mean) ** 2;
  const variance = count > 1 ? sq / (count - 1) : 0;
  return { mean, variance, count };
}

/**
 * Whitening (step 5): (x − mean) / √(var + eps) over the real tokens; padding stays 0.
 * With `shiftMean` false the mean is added back (used for rewards, whose sign carries meaning).
 */
export function whiten(
  x: Float32Array,
  lengths: Int32Array,
  T: number,
  shiftMean = true,
  eps = 1e-8,
): Float32Array {
  const { mean, variance } = maskedMoments(x, lengths, T);
  const inv = 1 / Math.sqrt(variance + eps);
  const out = new Float32Array(x.length);
  for (let b = 0; b < lengths.length; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      const i = b * T + t;
      out[i] = (x[i] - mean) * inv + (shiftMean ? 0 : mean);
    }
  }
  return out;
}
