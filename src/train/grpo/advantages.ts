/**
 * The group advantages of GRPO and RLOO on plain arrays (nothing here is differentiated). Responses are laid out group
 * by group: rows g·G … g·G + G − 1 are the G responses to one prompt.
 */

import type { GROUP_BASELINES } from './config.js';

export type GroupBaseline = (typeof GROUP_BASELINES)[number];

/**
 * Added to a group's std before dividing (as TRL): a group whose rewards differ by a hair is not
 * blown up to unit scale.
 */
export const GROUP_STD_EPS = 1e-4;

export interface GroupAdvantages {
  /** One advantage per response (B,). */
  advantages: Float32Array;
  /** Each group's reward std: sample std (÷ (G − 1)), as rein's whitening and TRL take it. */
  groupStd: Float64Array;
  /** Groups whose rewards are all equal: every advantage in them is 0, so they teach nothing. */
  zeroSpread: number;
}

/**
 * A_i = (r_i − b_i) / (std_group + ε), or r_i − b_i when `scaleRewards` is false (Dr. GRPO, Liu et
 * al. 2025: the division weighs groups the policy nearly always gets right, or nearly always wrong,
 * as much as the ones it is unsure of). The baseline b_i is
 * - mean: the group's mean, r_i included (Shao et al. 2024);
 * - leave-one-out: the mean of the other G − 1 rewards, (Σ_j r_j − r_i)/(G − 1) (RLOO: Kool et al.
 *   2019, Ahmadian et al. 2024). A baseline that does not contain r_i keeps the policy gradient
 *   unbiased; it equals G/(G − 1)·(r_i − mean), so the two differ by that factor alone.
 * A group whose rewards are all equal gets exactly 0, whatever rounding the mean would leave.
 */
export function groupAdvantages(
  rewards: ArrayLike<number>,
  groupSize: number,
  scaleRewards: boolean,
  baseline: GroupBaseline = 'mean',
): GroupAdvantages {
  const G = groupSize;
  if (!(Number.isInteger(G) && G >= 2)) throw new Error(`groupAdvantages: groupSize must be ≥ 2, got ${G}`);
  if (rewards.length % G !== 0)
    throw new Error(`groupAdvantages: ${rewards.length} rewards are not groups of ${G}`);
  const groups = rewards.length / G;
  const advantages = new Float32Array(rewards.length);
  const groupStd = new Float64Array(groups);
  let zeroSpread = 0;
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = g * G; i < (g + 1) * G; i++) {
      sum += rewards[i];
      lo = Math.min(lo, rewards[i]);
      hi = Math.max(hi, rewards[i]);
    }
    const mean = sum / G;
    let sq = 0;
    for (let i = g * G; i < (g + 1) * G; i++) sq += (rewards[i] - mean) ** 2;
    const std = Math.sqrt(sq / (G - 1));
    groupStd[g] = std;
    if (lo === hi) {
      zeroSpread++;
      continue; // advantages stay 0
    }
    const scale = scaleRewards ? 1 / (std + GROUP_STD_EPS) : 1;
    for (let i = g * G; i < (g + 1) * G; i++) {
      const b = baseline === 'mean' ? mean : (sum - rewards[i]) / (G - 1);
      advantages[i] = (rewards[i] - b) * scale;
    }
  }
  return { advantages, groupStd, zeroSpread };
}

/** Each response's advantage on every one of its tokens, in the (B, L) response layout (padding 0). */
export function perTokenAdvantages(perResponse: Float32Array, lengths: Int32Array, L: number): Float32Array {
  const out = new Float32Array(lengths.length * L);
  for (let b = 0; b < lengths.length; b++) out.fill(perResponse[b], b * L, b * L + lengths[b]);
  return out;
}
