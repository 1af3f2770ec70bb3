import type { F32 } from '../backend.js';

/** LayerNorm over rows of n (biased variance, float64 statistics); writes mean and rstd per row. */
export function layerNorm(
  x: F32,
  w: F32,
  b: F32 | null,
  rows: number,
  n: number,
  eps: number,
  out: F32,
  mean: F32,
  rstd: F32,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j];
    const mu = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    if (b === null) {
      for (let j = 0; j < n; j++) out[o + j] = (x[o + j] - mu) * rs * w[j];
    } else {
      for (let j = 0; j < n; j++) out[o + j] = (x[o + j] - mu) * rs * w[j] + b[j];
    }
  }
}

/**
 * Accumulates the LayerNorm gradients. With x̂ = (x − μ)·rstd and g = dy ⊙ w:
 *   dw += dy ⊙ x̂,  db += dy,  dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)).
 */
export function layerNormBackward(
  dy: F32,
  x: F32,
  w: F32,
  mean: F32,
  rstd: F32,
  rows: number,
  n: number,
  dx: F32,
  dw: F32,
  db: F32 | null,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const mu = mean[r];
    const rs = rstd[r];
    let gMean = 0;
    let gxMean = 0;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mu) * rs;
      const g = dy[o + j] * w[j];
      gMean += g;
      gxMean += g * xh;
      dw[j] += dy[o + j] * xh;
      if (db !== null) db[j] += dy[o + j];
    }
    gMean /= n;
    gxMean /= n;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mu) * rs;
      dx[o + j] += rs * (dy[o + j] * w[j] - gMean - xh * gxMean);
    }
  }
}

/** RMSNorm over rows of n: out = x·rstd·w, rstd = 1/√(mean(x²) + eps). */
export function rmsNorm(x: F32, w: F32, rows: number, n: number, eps: number, out: F32, rstd: F32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j] * x[o + j];
    const rs = 1 / Math.sqrt(s / n + eps);
    rstd[r] = rs;
    for (let j = 0; j < n; j++) out[o + j] = x[o + j] * rs * w[j];
  }
}

/** Accumulates the RMSNorm gradients: dw += dy ⊙ x̂, dx += rstd·(g − x̂·mean(g ⊙ x̂)), g = dy ⊙ w. */
export function rmsNormBackward(
  dy: F32,
  x: F32,
  w: F32,
  rstd: F32,
  rows: number,
  n: number,
  dx: F32,
  dw: F32,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const rs = rstd[r];
    let gxMean = 0;
    for (let j = 0; j < n; j++) {
      const xh = x[o + j] * rs;
      gxMean += dy[o + j] * w[j] * xh;
      dw[j] += dy[o + j] * xh;
    }
    gxMean /= n;
    for (let j = 0; j < n; j++) {
      const xh = x[o + j] * rs;
      dx[o + j] += rs * (dy[o + j] * w[j] - xh * gxMean);
    }
  }
}
