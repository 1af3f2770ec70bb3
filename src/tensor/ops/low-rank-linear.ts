/**
 * A linear layer plus a scaled low-rank update, y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ, with W (out, in),
 * A (r, in), B (out, r) — what LoRA adds to a frozen projection. Fused so that the update costs two
 * thin GEMMs and nothing else: the (rows, r) product u = x·Aᵀ is kept for backward, and the second
 * GEMM adds s·u·Bᵀ straight into y (beta = 1, s as its alpha). Composed from linear, scale and add
 * instead, the same layer ran slower than training all of W: each projection then paid an extra
 * (rows, out) output, its elementwise add and that add's backward.
 *
 * Backward, with dU = s·dY·B (rows, r):
 *   dX += dY·W + dU·A;   dW += dYᵀ·X;   db += Σ_rows dY;   dB += s·dYᵀ·U;   dA += dUᵀ·X.
 * A frozen W (the LoRA case) skips its GEMM, the largest of the backward pass.
 *
 * `lowInput` (default x) is what the update reads instead of x — LoRA's dropout, x with a mask
 * applied: U = lowInput·Aᵀ, and dA and the dU·A part of dX go to lowInput.
 */
import { getBackend } from '../../kernels/index.js';
import { pool } from '../../kernels/pool.js';
import { gradOf, isGradEnabled, record, saveForBackward } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { linear } from './linear.js';

export function lowRankLinear(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  a: Tensor,
  b: Tensor,
  scale: number,
  lowInput: Tensor = x,
): Tensor {
  a.assertLive('lowRankLinear', 'A');
  b.assertLive('lowRankLinear', 'B');
  lowInput.assertLive('lowRankLinear', 'lowInput');
  const out = linear(x, w, bias); // checks x, W and bias; records their backward when they need it
  const [outF, inF] = w.shape;
  const r = a.shape[0];
  if (a.rank !== 2 || a.shape[1] !== inF || b.rank !== 2 || b.shape[0] !== outF || b.shape[1] !== r) {
    throw new Error(
      `lowRankLinear: A ${fmt(a.shape)} must be (r, ${inF}) and B ${fmt(b.shape)} (${outF}, r) for weight ${fmt(w.shape)}`,
    );
  }
  if (lowInput !== x && lowInput.shape.join(',') !== x.shape.join(','))
    throw new Error(`lowRankLinear: lowInput ${fmt(lowInput.shape)} must have x's shape ${fmt(x.shape)}`);
  let rows = 1; // x (…, in) viewed as (rows, in), as linear does
  for (let d = 0; d < x.rank - 1; d++) rows *= x.shape[d];
  const be = getBackend();
  const u = Tensor.empty([rows, r]);
  be.gemm(false, true, rows, r, inF, 1, lowInput.data, 0, a.data, 0, 0, u.data, 0, 1); // U = X·Aᵀ
  be.gemm(false, true, rows, outF, r, scale, u.data, 0, b.data, 0, 1, out.data, 0, 1); // Y += s·U·Bᵀ
  const lowNeedsGrad = lowInput !== x && lowInput.requiresGrad;
  if (!isGradEnabled() || !(x.requiresGrad || lowNeedsGrad || a.requiresGrad || b.requiresGrad)) return out;

  const baseBackward = out.backwardFn; // dX += dY·W, dW, db — recorded by linear when x, W or b need it
  const inputs = bias === null ? [x, w, a, b] : [x, w, bias, a, b];
  record(out, lowInput === x ? inputs : [...inputs, lowInput], () => {
    baseBackward?.();
    const be = getBackend();
    const dY = out.grad!;
    if (b.requiresGrad) be.gemm(true, false, outF, r, rows, scale, dY, 0, u.data, 0, 1, gradOf(b), 0, 1);
    if (!a.requiresGrad && !lowInput.requiresGrad) return;
    const dU = pool.alloc(rows * r);
    be.gemm(false, false, rows, r, outF, scale, dY, 0, b.data, 0, 0, dU, 0, 1); // dU = s·dY·B
    if (a.requiresGrad) be.gemm(true, false, r, inF, rows, 1, dU, 0, lowInput.data, 0, 1, gradOf(a), 0, 1);
    if (lowInput.requiresGrad)
      be.gemm(false, false, rows, inF, r, 1, dU, 0, a.data, 0, 1, gradOf(lowInput), 0, 1);
    pool.release(dU);
  });
  saveForBackward(out, 'lowRankLinear', u);
  return out;
}
