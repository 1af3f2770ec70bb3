import type { F32 } from '../backend.js';

/**
 * One AdamW step in place (decoupled weight decay, bias-corrected; see Backend.adamw):
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·(m̂ / (√v̂ + eps) + wd·p).
 */
export function adamw(
  p: F32,
  g: F32,
  m: F32,
  v: F32,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
): void {
  const c1 = 1 / (1 - beta1 ** step);
  const c2 = 1 / (1 - beta2 ** step);
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * ((mi * c1) / (Math.sqrt(vi * c2) + eps) + weightDecay * p[i]);
  }
}

/** Σ x[i]² in float64. */
export function sumSquares(x: F32, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}
