/**
 * The KL coefficient β that holds the policy near the reference model.
 *
 * Fixed: β never changes. Adaptive (Ziegler et al. 2019): a proportional controller that
 * steers the measured KL towards a target,
 *   e = clip(KL / target − 1, −0.2, 0.2),   β ← β · (1 + e · n / horizon),
 * where n is the number of samples seen in this step: β grows when KL overshoots, shrinks when under.
 */
export interface KlController {
  readonly beta: number;
  /** Feeds the KL measured on a batch of n samples; returns the new β. */
  update(kl: number, n: number): number;
}

export function fixedKl(beta: number): KlController {
  return { beta, update: () => beta };
}

export function adaptiveKl(initialBeta: number, target: number, horizon: number): KlController {
  if (!(target > 0)) throw new Error(`adaptiveKl: target must be > 0, got ${target}`);
  if (!(horizon > 0)) throw new Error(`adaptiveKl: horizon must be > 0, got ${horizon}`);
  let beta = initialBeta;
  return {
    get beta() {
      return beta;
    },
    update(kl: number, n: number): number {
      const error = Math.min(0.2, Math.max(-0.2, kl / target - 1));
      beta *= 1 + (error * n) / horizon;
      return beta;
    },
  };
}
