/** Learning-rate schedules. */

export interface WarmupCosineOptions {
  maxLr: number;
  /** Floor reached at totalSteps and kept afterwards (default 0). */
  minLr?: number;
  warmupSteps: number;
  totalSteps: number;
}

/**
 * Linear warmup then cosine decay: for step s (from 0),
 *   s < warmup:           maxLr·(s+1)/warmup
 *   warmup ≤ s < total:   minLr + ½(maxLr − minLr)(1 + cos(π·(s − warmup)/(total − warmup)))
 *   s ≥ total:            minLr
 */
export function warmupCosine(opts: WarmupCosineOptions): (step: number) => number {
  const { maxLr, warmupSteps, totalSteps } = opts;
  const minLr = opts.minLr ?? 0;
  if (!(warmupSteps >= 0) || !(totalSteps >= warmupSteps)) {
    throw new Error(`warmupCosine: need 0 ≤ warmupSteps (${warmupSteps}) ≤ totalSteps (${totalSteps})`);
  }
  return (step: number): number => {
    if (step < warmupSteps) return (maxLr * (step + 1)) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
    return minLr + 0.5 * (maxLr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
