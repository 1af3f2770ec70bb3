import type { F32, I32 } from '../backend.js';

/**
 * out[r, :] = softmax(x[r, :]); the max is subtracted first and the sum runs in float64. A row with
 * no finite maximum (all −∞) has no softmax and gives NaN, as on native.
 */
export function softmax(x: F32, rows: number, n: number, out: F32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) if (x[o + j] > max) max = x[o + j];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[o + j] - max);
      out[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) out[o + j] *= inv;
  }
}

/** dx += y ⊙ (dy − Σ dy⊙y) per row. */
export function softmaxBackward(y: F32, dy: F32, rows: number, n: number, dx: F32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += dy[o + j] * y[o + j];
    for (let j = 0; j < n; j++) dx[o + j] += y[o + j] * (dy[o + j] - dot);
  }
}

/** logsumexp of row x[o … o+n), max-shifted, sum in float64. */
function logSumExp(x: F32, o: number, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) if (x[o + j] > max) max = x[o + j];
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(x[o + j] - max);
  return max + Math.log(sum);
}

/** out[r, :] = x[r, :] − logsumexp(x[r, :]). */
export function logSoftmax(x: F32, rows: number, n: number, out: F32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const lse = logSumExp(x, o, n);
    for (let j = 0; j < n; j++) out[o + j] = x[o + j] - lse;
  }
}

/** dx += dy − exp(y)·Σ dy per row. */
export function logSoftmaxBackward(y: F32, dy: F32, rows: number, n: number, dx: F32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += dy[o + j];
    for (let j = 0; j < n; j++) dx[o + j] += dy[o + j] - Math.exp(y[o + j]) * sum;
  }
}

/** losses[r] = logsumexp(logits[r]) − logits[r, targets[r]]; 0 for the ignore index. */
export function crossEntropy(
  logits: F32,
  targets: I32,
  rows: number,
  vocab: number,
  ignoreIndex: number,
  losses: F32,
): void {
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t === ignoreIndex) {
      losses[r] = 0;
      continue;
    }
    const o = r * vocab;
    losses[r] = logSumExp(logits, o, vocab) - logits[o + t];
  }
}

/** dLogits[r, :] += dLoss[r]·(softmax(logits[r]) − onehot(targets[r])); ignored rows get nothing. */
export function crossEntropyBackward(
  logits: F32,
  targets: I32,
  dLoss: F32,
  rows: number,
  vocab: number,
  ignoreIndex: number,
  dLogits: F32,
): void {
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t === ignoreIndex) continue;
    const o = r * vocab;
    const lse = logSumExp(logits, o, vocab);
    const g = dLoss[r];
    for (let j = 0; j < vocab; j++) dLogits[o + j] += g * Math.exp(logits[o + j] - lse);
    dLogits[o + t] -= g;
  }
}
